import type { Server } from 'node:http';
import { getGraphQLWSOptions, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { normalizeNodeRequest } from '@whatwg-node/server';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

/** Credentials a browser can't put in WebSocket headers travel in graphql-ws's connection_init payload. */
const CREDENTIAL_PARAMS = ['authorization', 'x-api-key', 'x-request-id'] as const;

/**
 * graphql-ws on the GraphQL path, so clients subscribe over WebSockets as well as SSE. Each
 * operation runs through the same runtime and plugins as HTTP (auth, limits, persisted documents),
 * with the connection's credentials presented as request headers.
 */
export function enableWebSockets(server: Server, runtime: GatewayRuntime): () => Promise<void> {
  const wsServer = new WebSocketServer({ server, path: runtime.graphqlEndpoint });
  const disposable = useServer(
    getGraphQLWSOptions<Record<string, unknown>, Extra>(runtime, (ctx) => {
      const request = normalizeNodeRequest(ctx.extra.request, runtime.fetchAPI);
      const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
      const headers = new Headers(request.headers);
      for (const name of CREDENTIAL_PARAMS) {
        const value = params[name] ?? params[name.replace(/^x-/, '')];
        if (typeof value === 'string' && !headers.has(name)) headers.set(name, value);
      }
      return {
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        request: new runtime.fetchAPI.Request(request.url, { method: 'GET', headers }),
      };
    }),
    wsServer,
  );
  return async () => {
    await disposable.dispose();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
  };
}
