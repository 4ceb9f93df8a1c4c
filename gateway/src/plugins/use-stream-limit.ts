import type { ServerResponse } from 'node:http';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { clientAddress, socketAddressOf } from '../auth/callers.ts';
import { errorResponse } from '../errors.ts';
import type { ConnectionLimits } from '../limits/connections.ts';

/**
 * SSE subscriptions (GraphQL over SSE: `Accept: text/event-stream`) take a live-connection slot of
 * the client's address while the stream is open, as a graphql-ws socket does; over the limit the
 * request gets 429 TOO_MANY_CONNECTIONS.
 */
export function useStreamLimit(opts: { connections: ConnectionLimits; trustProxy: boolean }): GatewayPlugin {
  return {
    onRequest(payload) {
      const { request, serverContext, fetchAPI } = payload;
      if (!request.headers.get('accept')?.includes('text/event-stream')) return;
      const res = (serverContext as { res?: ServerResponse }).res;
      if (!res) return;
      const address = clientAddress(request.headers, socketAddressOf(serverContext), opts.trustProxy);
      if (!opts.connections.acquire(address)) {
        return payload.endResponse(
          errorResponse(
            fetchAPI,
            'TOO_MANY_CONNECTIONS',
            'This address holds the most live connections allowed',
          ),
        );
      }
      res.once('close', () => opts.connections.release(address));
    },
  };
}
