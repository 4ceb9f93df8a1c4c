import type { ApolloServerPlugin } from '@apollo/server';
import type { ServiceMetrics } from '../metrics.ts';
import type { BaseContext } from '../context.ts';

/**
 * Logs one JSON line per GraphQL operation (with the request id the gateway passed on) and counts
 * operations and errors. Variables and results are never logged: they can hold personal data.
 */
export function useRequestLog(metrics: ServiceMetrics): ApolloServerPlugin<BaseContext> {
  return {
    requestDidStart(start) {
      const began = performance.now();
      return Promise.resolve({
        willSendResponse({ contextValue, operation, operationName, errors }) {
          const codes = (errors ?? []).map((e) => {
            const code = e.extensions['code'];
            return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
          });
          for (const code of codes) metrics.errorsTotal.inc({ code });
          const op = operation?.operation ?? 'unknown';
          metrics.requestsTotal.inc({ operation: op, outcome: codes.length ? 'error' : 'ok' });
          contextValue.logger.info(
            {
              operation: op,
              operationName: operationName ?? start.request.operationName ?? null,
              durationMs: Math.round((performance.now() - began) * 10) / 10,
              errors: codes.length ? codes : undefined,
            },
            'graphql operation',
          );
          return Promise.resolve();
        },
      });
    },
  };
}
