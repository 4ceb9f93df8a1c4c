import { onShutdown, routeConsole, runMain } from '@cityassist/service-kit';

await runMain('gateway', async () => {
  const { parseConfig } = await import('./config.ts');
  // A bad setting stops the start here, with the variable's name.
  const config = parseConfig(process.env);
  const { createGatewayLogger } = await import('./log-writer.ts');
  const log = createGatewayLogger(config.logLevel);
  // Before the runtime is built: its libraries print deprecation notices as plain text.
  routeConsole(log);
  const { startGateway } = await import('./server.ts');
  const gateway = await startGateway(config, log);
  onShutdown(log, () => gateway.close());
});
