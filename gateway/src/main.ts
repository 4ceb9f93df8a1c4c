import { onShutdown, runMain } from '@cityassist/service-kit';

await runMain(async () => {
  const { parseConfig } = await import('./config.ts');
  // A bad setting stops the start here, with the variable's name.
  const config = parseConfig(process.env);
  const { startGateway } = await import('./server.ts');
  const gateway = await startGateway(config);
  onShutdown(gateway.log, () => gateway.close());
});
