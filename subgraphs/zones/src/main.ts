import { runMain, startTelemetry } from '@cityassist/service-kit/entry';

await runMain('zones', async () => {
  // Tracing first, the service after it: ESM loads every static import before any code runs, and
  // pg, ioredis, http, express, graphql and dataloader are only traced if they load after its hook.
  const stopTelemetry = await startTelemetry('zones');
  const { createLogger, onShutdown, routeConsole } = await import('@cityassist/service-kit');
  const { parseConfig } = await import('./config.ts');
  // A bad setting stops the start here, with the variable's name.
  const config = parseConfig(process.env);
  const { startZonesService } = await import('./service.ts');
  const logger = createLogger('zones', config.logLevel);
  routeConsole(logger);
  const server = await startZonesService(config, logger);
  onShutdown(logger, async () => {
    await server.close();
    await stopTelemetry();
  });
});
