import { runMain, startTelemetry } from '@cityassist/service-kit/entry';

await runMain('etl-worker', async () => {
  // Tracing first: pg and http are only traced if they load after its hook (see the services).
  const stopTelemetry = await startTelemetry('etl-worker');
  const { createLogger, onShutdown, routeConsole } = await import('@cityassist/service-kit');
  const { parseWorkerConfig } = await import('./src/worker/config.ts');
  const config = parseWorkerConfig(process.env);
  const { startWorker } = await import('./src/worker/service.ts');
  const logger = createLogger('etl-worker', config.logLevel);
  routeConsole(logger);
  const worker = await startWorker(config, logger);
  onShutdown(logger, async () => {
    await worker.close();
    await stopTelemetry();
  });
});
