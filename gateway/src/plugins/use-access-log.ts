import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Logger } from '@graphql-hive/logger';

/**
 * One JSON line per HTTP request with the request id the runtime accepted from `x-request-id` or
 * made, which it also forwards to the subgraphs, so one id follows a query through every log.
 * Bodies and variables are not logged: they can hold personal data.
 */
export function useAccessLog(log: Logger): GatewayPlugin {
  const started = new WeakMap<Request, number>();
  return {
    onRequest({ request }) {
      started.set(request, performance.now());
    },
    onResponse({ request, response }) {
      const began = started.get(request);
      const url = new URL(request.url);
      if (url.pathname === '/health' || url.pathname === '/metrics') return;
      log.info(
        {
          requestId: response.headers.get('x-request-id') ?? undefined,
          method: request.method,
          path: url.pathname,
          status: response.status,
          durationMs: began === undefined ? undefined : Math.round((performance.now() - began) * 10) / 10,
        },
        'request',
      );
    },
  };
}
