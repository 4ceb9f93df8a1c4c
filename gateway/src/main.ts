import http from 'node:http';
import { runMain } from '@cityassist/service-kit';

await runMain(async () => {
  const { config } = await import('./config.ts');
  const { createGateway } = await import('./gateway.ts');
  const gateway = await createGateway(config);
  const { runtime, log } = gateway;
  // The runtime is a request listener that returns a promise node:http ignores, by design.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  const server = http.createServer(runtime);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  log.info({ url: `http://${config.host}:${config.port}/graphql` }, 'gateway listening');

  let closing = false;
  const stop = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), 10_000).unref();
    server.close();
    server.closeIdleConnections();
    void gateway.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
