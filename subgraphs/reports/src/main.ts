import { createLogger, onShutdown, runMain } from '@cityassist/service-kit';

await runMain(async () => {
  // config.ts validates the environment on import; a bad setting stops here with its name.
  const { config } = await import('./config.ts');
  const { startReportsService } = await import('./service.ts');
  const logger = createLogger('reports', config.logLevel);
  const server = await startReportsService(config, logger);
  onShutdown(logger, () => server.close());
});
