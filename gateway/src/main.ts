import { runMain, startTelemetry } from '@cityassist/service-kit/entry';

await runMain('gateway', async () => {
  // Tracing before the runtime is imported. Hive's plugin traces HTTP and GraphQL itself (and puts
  // `traceparent` on every subgraph request), so only ioredis is instrumented here.
  const stopTelemetry = await startTelemetry('gateway', { instrument: ['ioredis'] });
  const { onShutdown, routeConsole } = await import('@cityassist/service-kit');
  const { parseConfig } = await import('./config.ts');
  // A bad setting stops the start here, with the variable's name.
  const config = parseConfig(process.env);
  const { createGatewayLogger } = await import('./log-writer.ts');
  const log = createGatewayLogger(config.logLevel);
  // Before the runtime is built: its libraries print deprecation notices as plain text.
  routeConsole(log);
  const { startGateway } = await import('./server.ts');
  const gateway = await startGateway(config, log);
  onShutdown(log, async () => {
    await gateway.close();
    await stopTelemetry();
  });
});
