import { createLogger, onShutdown, routeConsole, runMain } from '@cityassist/service-kit';

await runMain('reports', async () => {
  const { parseConfig } = await import('./config.ts');
  // A bad setting stops the start here, with the variable's name.
  const config = parseConfig(process.env);
  const { startReportsService } = await import('./service.ts');
  const logger = createLogger('reports', config.logLevel);
  routeConsole(logger);
  const server = await startReportsService(config, logger);
  onShutdown(logger, () => server.close());
});
