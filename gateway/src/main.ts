import { onShutdown, runMain } from '@cityassist/service-kit';

await runMain(async () => {
  // config.ts validates the environment on import; a bad setting stops here with its name.
  const { config } = await import('./config.ts');
  const { startGateway } = await import('./server.ts');
  const gateway = await startGateway(config);
  onShutdown(gateway.log, () => gateway.close());
});
