import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { clientAddress, socketAddressOf, type Callers } from '../auth/callers.ts';
import { errorResponse } from '../errors.ts';
import type { RateLimits } from '../limits/rate-limits.ts';

const UNCOUNTED = new Set(['/health', '/ready', '/metrics']);

/**
 * HTTP requests (GraphQL, SSE, the REST routes) against the caller's rate limit, answered with 429,
 * RATE_LIMITED and Retry-After before anything is parsed. A REST route's own in-process GraphQL
 * request is not counted again: it was counted as the REST request it serves.
 */
export function useRateLimit(opts: {
  limits: RateLimits;
  callers: Callers;
  trustProxy: boolean;
}): GatewayPlugin {
  return {
    onRequest(payload) {
      const { request, fetchAPI, serverContext, url } = payload;
      if (UNCOUNTED.has(url.pathname) || opts.callers.isInternal(request)) return;
      const address = clientAddress(request.headers, socketAddressOf(serverContext), opts.trustProxy);
      return opts.callers
        .of(request)
        .then((caller) => opts.limits.consume(caller, address, 'http'))
        .then((retryAfter) => {
          if (retryAfter === undefined) return;
          payload.endResponse(
            errorResponse(fetchAPI, 'RATE_LIMITED', `Too many requests; retry in ${retryAfter} s`, {
              headers: { 'retry-after': String(retryAfter) },
            }),
          );
        });
    },
  };
}
