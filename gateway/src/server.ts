import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from './config.ts';
import { createGateway } from './gateway.ts';
import { enableWebSockets } from './websocket.ts';

/** The gateway on a Node HTTP server: GraphQL over HTTP and SSE, and graphql-ws on the same path. */
export async function startGateway(config: GatewayConfig) {
  const gateway = await createGateway(config);
  const { runtime, log } = gateway;
  // Load the supergraph now: HTTP requests would load it lazily, but graphql-ws operations skip
  // the request hooks that do, and a composition problem should stop the start, not a request.
  await runtime.getSchema();
  // The runtime is a request listener that returns a promise node:http ignores, by design.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  const server = http.createServer(runtime);
  const closeWebSockets = enableWebSockets(server, runtime);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}/graphql`;
  log.info({ url }, 'gateway listening');
  return {
    url,
    log,
    async close() {
      server.close();
      server.closeIdleConnections();
      await closeWebSockets();
      await gateway.close();
    },
  };
}
