import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Logger } from '@graphql-hive/logger';
import { useOpenTelemetry } from '@graphql-hive/plugin-opentelemetry';

/** Probes and scrapes: every few seconds each, and nothing a trace of a request needs. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/readiness', '/metrics']);

/**
 * Traces what the gateway does with a request, with Hive's OpenTelemetry plugin on the tracer
 * provider service-kit's startTelemetry registered (OTEL_* settings, sampler, OTLP exporter): an
 * `http.server` span per request that continues the client's W3C `traceparent` (or starts a
 * trace), the GraphQL operation with its parse, validate and execute, and per subgraph a
 * `subgraph.execute` span with its `http.fetch`, whose request carries `traceparent` on to the
 * subgraph, so the subgraph's own spans join the same trace. Spans are parented through the
 * AsyncLocalStorage context manager, which also makes them the active span of the gateway's log
 * lines (log-writer.ts adds `traceId` and `spanId`). Only added when tracing is on.
 */
export function useTracing(opts: { log?: Logger } = {}): GatewayPlugin {
  return useOpenTelemetry({
    ...(opts.log ? { log: opts.log } : {}),
    // An error, rather than spans silently parented by request instead of by context: the logs'
    // trace ids and any span of our own depend on the active context being right.
    useContextManager: true,
    traces: {
      spans: {
        http: ({ request, ignoredRequests }) =>
          !ignoredRequests.has(request) && !UNTRACED_PATHS.has(new URL(request.url).pathname),
      },
    },
  });
}
