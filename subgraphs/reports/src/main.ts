import { createLogger, onShutdown, runMain } from '@cityassist/service-kit';

await runMain(async () => {
  const { parseConfig } = await import('./config.ts');
  // A bad setting stops the start here, with the variable's name.
  const config = parseConfig(process.env);
  const { startReportsService } = await import('./service.ts');
  const logger = createLogger('reports', config.logLevel);
  const server = await startReportsService(config, logger);
  onShutdown(logger, () => server.close());
});
