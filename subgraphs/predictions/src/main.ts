import { createLogger, onShutdown, routeConsole, runMain } from '@cityassist/service-kit';

await runMain('predictions', async () => {
  const { parseConfig } = await import('./config.ts');
  // A bad setting stops the start here, with the variable's name.
  const config = parseConfig(process.env);
  const { startPredictionsService } = await import('./service.ts');
  const logger = createLogger('predictions', config.logLevel);
  routeConsole(logger);
  const server = await startPredictionsService(config, logger);
  onShutdown(logger, () => server.close());
});
