import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@graphql-hive/logger';
import { drainHttpServer, SHUTTING_DOWN_BODY, shutdownDelayMs } from '@cityassist/service-kit';
import type { GatewayConfig } from './config.ts';
import { createGateway } from './gateway.ts';
import { enableWebSockets } from './websocket.ts';

/**
 * The gateway on a Node HTTP server: GraphQL over HTTP and SSE, and graphql-ws on the same path;
 * with METRICS_PORT set, /metrics on a listener of its own (kept off the public one). `close()`
 * drains it like every service (service-kit's drainHttpServer): `/ready` 503 at once, new
 * connections refused after SHUTDOWN_DELAY_MS, in-flight requests finished (up to 20 s), then
 * WebSockets closed with 1001, SSE streams ended, and the runtime disposed.
 */
export async function startGateway(
  config: GatewayConfig & { shutdownDelayMs?: number | undefined },
  logger?: Logger,
) {
  const gateway = await createGateway(config, logger);
  const { runtime, log } = gateway;
  // Load the supergraph now: HTTP requests would load it lazily, but graphql-ws operations skip
  // the request hooks that do, and a composition problem should stop the start, not a request.
  await runtime.getSchema();
  const server = http.createServer((req, res) => {
    // The runtime's own /ready asks the subgraphs; a gateway that is shutting down is not ready,
    // whatever they say, from the first moment.
    if (drain.draining && req.url?.split('?')[0] === '/ready') {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(SHUTTING_DOWN_BODY));
      return;
    }
    // The runtime is a request listener that returns a promise node:http ignores, by design.
    void runtime(req, res);
  });
  const drain = drainHttpServer(server, {
    delayMs: config.shutdownDelayMs ?? shutdownDelayMs(),
    logger: log,
  });
  const closeWebSockets = enableWebSockets(server, runtime, gateway.websocket);
  await listen(server, config.port, config.host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}/graphql`;

  let metricsServer: http.Server | undefined;
  if (typeof config.metricsPort === 'number') {
    metricsServer = http.createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Only /metrics is served here\n');
        return;
      }
      gateway.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': gateway.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    await listen(metricsServer, config.metricsPort, config.host);
  }
  const metricsAt = metricsServer
    ? `http://${config.host}:${(metricsServer.address() as AddressInfo).port}/metrics`
    : config.metricsPort === 'off'
      ? 'off'
      : `http://${config.host}:${port}/metrics`;
  log.info({ url, metrics: metricsAt }, 'gateway listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    metricsUrl: metricsAt,
    log,
    close() {
      closing ??= (async () => {
        await drain.close({ afterRequests: closeWebSockets });
        metricsServer?.close();
        metricsServer?.closeAllConnections();
        await gateway.close();
      })();
      return closing;
    },
  };
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
}
