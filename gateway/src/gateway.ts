import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { type Logger } from '@graphql-hive/logger';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { getOperationAST, OperationTypeNode } from 'graphql';
import { Registry } from 'prom-client';
import { openRedis } from '@cityassist/redis';
import {
  collectProcessMetrics,
  GATEWAY_SECRET_HEADER,
  PRINCIPAL_HEADER,
  tracingEnabled,
} from '@cityassist/service-kit';
import { ApiKeyStore } from './auth/api-keys.ts';
import { Authenticator } from './auth/authenticator.ts';
import { Callers } from './auth/callers.ts';
import { ResilientCache } from './cache/resilient-cache.ts';
import type { GatewayConfig } from './config.ts';
import { GATEWAY_ERRORS } from './errors.ts';
import { ConnectionLimits } from './limits/connections.ts';
import { RateLimits } from './limits/rate-limits.ts';
import { createGatewayLogger } from './log-writer.ts';
import { createMaskError } from './mask-error.ts';
import { documentIdOf, loadDocumentStore, normaliseDocumentId } from './persisted-documents.ts';
import { useAccessLog } from './plugins/use-access-log.ts';
import { useAuth, type AuthContext } from './plugins/use-auth.ts';
import { useCircuitBreaker } from './plugins/use-circuit-breaker.ts';
import { useDashboard } from './plugins/use-dashboard.ts';
import { useQueryRetry } from './plugins/use-query-retry.ts';
import { useHiddenSchemaHints } from './plugins/use-hidden-schema-hints.ts';
import { useLimits } from './plugins/use-limits.ts';
import { useMetrics } from './plugins/use-metrics.ts';
import { useRateLimit } from './plugins/use-rate-limit.ts';
import { useReadiness } from './plugins/use-readiness.ts';
import { useRestRoutes } from './plugins/use-rest-routes.ts';
import { useSandbox } from './plugins/use-sandbox.ts';
import { useStreamLimit } from './plugins/use-stream-limit.ts';
import { useTracing } from './plugins/use-tracing.ts';
import { useUpstreamLog } from './plugins/use-upstream-log.ts';
import { RequestIds } from './request-ids.ts';
import { responseCacheKey } from './response-cache-key.ts';
import { REST_ROUTES } from './rest/routes.ts';
import { subgraphsOf } from './subgraphs.ts';
import type { WebSocketOptions } from './websocket.ts';

const EXAMPLE_QUERY = `# Every zone of Olinda with its flood risk, composed from three subgraphs.
{
  zones(first: 500) {
    totalCount
    edges {
      node {
        id
        name
        elevationMean
        floodRisk {
          score
          level
          explain(top: 3) {
            feature
            contribution
          }
          model {
            name
            version
          }
        }
      }
    }
  }
}
`;
export interface Gateway {
  runtime: GatewayRuntime;
  log: Logger;
  registry: Registry;
  /** What graphql-ws needs to hold the same line as HTTP (websocket.ts). */
  websocket: WebSocketOptions;
  close(): Promise<void>;
}

/**
 * The Hive Gateway runtime, configured: it plans and forwards queries to the subgraphs, passes the
 * request id on, times out slow subgraphs and answers with what the others returned.
 */
export async function createGateway(
  config: GatewayConfig,
  log: Logger = createGatewayLogger(config.logLevel),
): Promise<Gateway> {
  const composed = await subgraphsOf(config.supergraphFile);
  const subgraphs = { ...composed, ...config.subgraphUrls };
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'gateway' });
  collectProcessMetrics(registry);

  const documents = await loadDocumentStore(config.persistedDocuments);
  log.info(
    { documents: documents.size, arbitrary: config.allowArbitraryDocuments },
    'persisted documents loaded',
  );

  // Redis is optional at run time too: the gateway starts and serves without it (per-replica limits
  // and cache), connects when it comes, and says so in its log and `redis_up`.
  const redis = config.redisUrl
    ? openRedis(config.redisUrl, { name: 'gateway', logger: log, registry })
    : undefined;
  await redis?.firstAttempt();
  const apiKeys = await ApiKeyStore.open(config.apiKeysFile, {
    watch: true,
    onReload: ({ keys, error }) =>
      error
        ? log.warn({ file: config.apiKeysFile, error }, 'API key file not reloaded; the last good keys stay')
        : log.info({ file: config.apiKeysFile, apiKeys: keys }, 'API keys reloaded'),
  });
  const authenticator = new Authenticator(apiKeys, config.jwt);
  log.info({ apiKeys: apiKeys.size, jwt: authenticator.jwtEnabled }, 'authentication');
  const callers = new Callers(authenticator);
  const requestIds = new RequestIds();
  const limits = new RateLimits({ ...config.rateLimit, redis: redis?.client, registry });
  const connections = new ConnectionLimits(config.websocket.maxConnectionsPerIp, registry);
  // Production runs only persisted documents, except for callers whose API key may run others.
  const mayRunArbitrary = (request: Request) => {
    if (config.allowArbitraryDocuments) return true;
    const caller = callers.known(request);
    return caller?.kind === 'principal' && caller.principal.scopes.includes('graphql:arbitrary');
  };

  const cache = new ResilientCache(redis, registry, `${config.rateLimit.keyPrefix}cache:`);

  const runtime: GatewayRuntime = createGatewayRuntime({
    cache,
    // Response cache for public (anonymous) queries only: a caller with credentials may see fields
    // others can't, so their answers are never shared. Mutations evict the entities they return.
    ...(config.responseCacheTtlMs > 0
      ? {
          responseCaching: {
            ttl: config.responseCacheTtlMs,
            session: () => null,
            enabled: (request: Request) => callers.known(request)?.kind === 'anonymous',
            includeExtensionMetadata: true,
            // The default key would JSON-encode uploaded files byte by byte.
            buildResponseCacheKey: responseCacheKey,
          },
        }
      : {}),
    supergraph: config.supergraphFile,
    // The Rust planner is loaded only when chosen: its native addon is a cost the default does not pay.
    ...(config.queryPlanner === 'rust'
      ? { unifiedGraphHandler: (await import('@graphql-hive/router-runtime')).unifiedGraphHandler }
      : {}),
    logging: log,
    graphqlEndpoint: '/graphql',
    // Photo uploads (GraphQL multipart request spec): parsed here, forwarded to the subgraph as
    // multipart again by the HTTP transport. Size and file count are checked in useLimits.
    multipart: true,
    healthCheckEndpoint: '/health',
    // The runtime's own readiness only knows the supergraph loaded; ours asks the subgraphs too.
    readinessCheckEndpoint: '/readiness',
    // The bundled GraphiQL inlines its assets, so it works with no internet (Yoga's default pulls
    // them from a CDN).
    graphiql: config.graphiql ? { title: 'CityAssist GraphiQL', defaultQuery: EXAMPLE_QUERY } : false,
    renderGraphiQL,
    landingPage: false,
    maskedErrors: { maskError: createMaskError({ production: !config.development }) },
    // A subgraph's URL differs per environment; the composed one is the development default.
    // Subscriptions reach the subgraphs over graphql-ws on the same URL; the gateway's secret rides
    // in connection_init, since a WebSocket has no per-message headers.
    transportEntries: Object.fromEntries(
      Object.entries(subgraphs).map(([name, url]) => [
        name,
        {
          location: url,
          options: {
            subscriptions: {
              kind: 'ws',
              subgraph: name,
              location: url,
              options: {
                connectionParams: config.gatewaySecret
                  ? { [GATEWAY_SECRET_HEADER]: config.gatewaySecret }
                  : {},
              },
            },
          },
        },
      ]),
    ),
    // A subscription is meant to stay open: only queries and mutations have a deadline upstream.
    upstreamTimeout: ({ executionRequest }) =>
      executionRequest &&
      getOperationAST(executionRequest.document, executionRequest.operationName)?.operation ===
        OperationTypeNode.SUBSCRIPTION
        ? undefined
        : config.upstreamTimeoutMs,
    requestId: { headerName: 'x-request-id', generateRequestId: requestIds.generate },
    // Trusted documents: clients send a hash (`documentId` or APQ's sha256Hash) instead of a query.
    persistedDocuments: {
      getPersistedOperation: (id: string) => documents.get(normaliseDocumentId(id) ?? '') ?? null,
      // GET requests name the document in the query string (GraphQL over HTTP, persisted documents).
      extractPersistedOperationId: (
        params: { extensions?: Record<string, unknown>; documentId?: unknown },
        request: Request,
      ) => documentIdOf(params) ?? new URL(request.url).searchParams.get('documentId'),
      allowArbitraryDocuments: mayRunArbitrary,
      customErrors: {
        // Apollo clients recognise this message; there is no registration step (documents are trusted).
        notFound: persistedError('PERSISTED_QUERY_NOT_FOUND'),
        keyNotFound: persistedError('PERSISTED_QUERY_ID_REQUIRED'),
        persistedQueryOnly: persistedError('PERSISTED_QUERY_ONLY'),
      },
    },
    // Subgraphs trust only the gateway (shared secret) and learn who called (hashed id, scopes).
    propagateHeaders: {
      fromClientToSubgraphs: ({ context }) => {
        const { principal, request } = context as AuthContext;
        // A client's retry key (draft-ietf-httpapi-idempotency-key-header) reaches the subgraph that
        // files what it asked for; reports keeps it per caller.
        const idempotencyKey = request.headers.get('idempotency-key');
        return {
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
          // Marks the forwarded request as non-simple for the subgraphs' CSRF check (multipart
          // uploads), also in development where there is no secret header to do it.
          'apollo-require-preflight': 'true',
          ...(config.gatewaySecret ? { [GATEWAY_SECRET_HEADER]: config.gatewaySecret } : {}),
          ...(principal ? { [PRINCIPAL_HEADER]: `${principal.id};${principal.scopes.join(' ')}` } : {}),
        };
      },
    },
    // Demand control: each query's cost is estimated from @cost/@listSize before it runs.
    demandControl: {
      maxCost: config.limits.maxCost,
      listSize: 50,
      includeExtensionMetadata: config.development,
    },
    // Order matters: who is calling is decided before anything is counted or parsed.
    plugins: () => [
      // First, so its request span holds everything the others do (with tracing on: main.ts
      // started it before the runtime was imported; docs/tracing.md).
      ...(tracingEnabled() ? [useTracing({ log })] : []),
      // Static files, answered before anything counts or parses: a page load is not API traffic.
      ...(config.dashboard.enabled ? [useDashboard({ dir: config.dashboard.dir, log })] : []),
      ...(config.sandbox ? [useSandbox({ path: '/sandbox', graphqlEndpoint: '/graphql' })] : []),
      // Before the limits, so refused requests are counted too (operation "other").
      // With METRICS_PORT set, /metrics lives on its own listener (server.ts), not the public one.
      useMetrics({ registry, documents, endpoint: config.metricsPort === undefined ? '/metrics' : false }),
      useRateLimit({ limits, callers, trustProxy: config.rateLimit.trustProxy }),
      ...useAuth({ callers }),
      useStreamLimit({ connections, trustProxy: config.rateLimit.trustProxy }),
      ...useLimits(config.limits),
      ...(config.development ? [] : [useHiddenSchemaHints()]),
      useRestRoutes({
        routes: REST_ROUTES,
        documents,
        callers,
        requestIds,
        runtime: () => runtime,
        maxUploadBytes: config.limits.maxUploadBytes,
      }),
      useReadiness({ endpoint: '/ready', subgraphs, degraded: () => (redis && !redis.up ? ['redis'] : []) }),
      useUpstreamLog({ log, requestIds }),
      // Inside the breaker: a query retried and still failing counts as one failure.
      useQueryRetry({ retries: config.upstreamRetries }),
      useCircuitBreaker({ ...config.circuitBreaker, registry, log }),
      useAccessLog(log),
    ],
  });
  takeBackTerminateSignals();
  return {
    runtime,
    log,
    registry,
    websocket: { callers, limits, connections, ...config.websocket, trustProxy: config.rateLimit.trustProxy },
    async close() {
      apiKeys.close();
      await runtime.dispose();
      await redis?.close();
    },
  };
}

/**
 * @whatwg-node's server adapter, which the runtime is built on, disposes the runtime itself on
 * SIGINT, SIGTERM and exit (Hive turns `disposeOnProcessTerminate` on with no way to turn it off):
 * an operation still in flight then fails with SHUTTING_DOWN while our drain is waiting for it to
 * finish (measured: 2 of ~600 requests in a rolling restart). The drain disposes the runtime itself,
 * after the requests, so the adapter's own handlers (named `terminateHandler`) are removed.
 */
function takeBackTerminateSignals(): void {
  for (const event of ['SIGINT', 'SIGTERM', 'exit']) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (listener.name === 'terminateHandler') process.removeListener(event, listener);
    }
  }
}

const persistedError = (
  code: 'PERSISTED_QUERY_NOT_FOUND' | 'PERSISTED_QUERY_ID_REQUIRED' | 'PERSISTED_QUERY_ONLY',
) => ({
  message: GATEWAY_ERRORS[code].message,
  extensions: { code, http: { status: GATEWAY_ERRORS[code].status } },
});
