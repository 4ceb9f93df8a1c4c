import { createLogger, onShutdown, routeConsole, runMain } from '@cityassist/service-kit';

await runMain('zones', async () => {
  const { parseConfig } = await import('./config.ts');
  // A bad setting stops the start here, with the variable's name.
  const config = parseConfig(process.env);
  const { startZonesService } = await import('./service.ts');
  const logger = createLogger('zones', config.logLevel);
  routeConsole(logger);
  const server = await startZonesService(config, logger);
  onShutdown(logger, () => server.close());
});
