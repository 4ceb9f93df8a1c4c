import { createLogger, onShutdown, runMain } from '@cityassist/service-kit';

await runMain(async () => {
  const { parseConfig } = await import('./config.ts');
  // A bad setting stops the start here, with the variable's name.
  const config = parseConfig(process.env);
  const { startPredictionsService } = await import('./service.ts');
  const logger = createLogger('predictions', config.logLevel);
  const server = await startPredictionsService(config, logger);
  onShutdown(logger, () => server.close());
});
