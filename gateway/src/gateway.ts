import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { JSONLogWriter, Logger } from '@graphql-hive/logger';
import usePrometheus from '@graphql-mesh/plugin-prometheus';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { GatewayConfig } from './config.ts';
import { maskError } from './mask-error.ts';
import { documentIdOf, loadDocumentStore, normaliseDocumentId } from './persisted-documents.ts';
import { useAccessLog } from './plugins/use-access-log.ts';
import { useReadiness } from './plugins/use-readiness.ts';
import { subgraphsOf } from './subgraphs.ts';
import { getOperationAST, OperationTypeNode } from 'graphql';
import { useRestRoutes } from './plugins/use-rest-routes.ts';
import { useClassifyRoute } from './plugins/use-classify-route.ts';
import { responseCacheKey } from './response-cache-key.ts';
import InMemoryLRUCache from '@graphql-mesh/cache-inmemory-lru';
import RedisCache from '@graphql-mesh/cache-redis';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { useSandbox } from './plugins/use-sandbox.ts';

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
import { connectRedis } from './redis.ts';
import { useLimits } from './plugins/use-limits.ts';
import { useRateLimit } from './plugins/use-rate-limit.ts';
import { ApiKeyStore } from './auth/api-keys.ts';
import { useAuth, type AuthContext } from './plugins/use-auth.ts';
import { GATEWAY_SECRET_HEADER, PRINCIPAL_HEADER } from '@cityassist/service-kit';

/**
 * The Hive Gateway runtime, configured: it plans and forwards queries to the subgraphs, passes the
 * request id on, times out slow subgraphs and answers with what the others returned.
 */
export async function createGateway(
  config: GatewayConfig,
): Promise<{ runtime: GatewayRuntime; log: Logger; close(): Promise<void> }> {
  // Hive's own modules read LOG_LEVEL themselves and know only trace…error: hand them the level this
  // gateway settled on, so `LOG_LEVEL=silent` (or fatal) works as in the subgraphs.
  process.env['LOG_LEVEL'] = config.logLevel === false ? 'error' : config.logLevel;
  const log = new Logger({
    level: config.logLevel,
    writers: [new JSONLogWriter()],
    attrs: { service: 'gateway' },
  });
  const composed = await subgraphsOf(config.supergraphFile);
  const subgraphs = { ...composed, ...config.subgraphUrls };
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'gateway' });
  collectDefaultMetrics({ register: registry });

  const documents = await loadDocumentStore(config.persistedDocuments);
  log.info(
    { documents: documents.size, arbitrary: config.allowArbitraryDocuments },
    'persisted documents loaded',
  );

  const redis = config.redisUrl ? await connectRedis(config.redisUrl, log) : undefined;
  const apiKeys = await ApiKeyStore.load(config.apiKeysFile);
  log.info(
    { apiKeys: apiKeys.size, jwt: Boolean(config.jwt.secret || config.jwt.jwksUrl) },
    'authentication',
  );
  // Production runs only persisted documents, except for callers whose API key may run others.
  const mayRunArbitrary = (request: Request) =>
    config.allowArbitraryDocuments ||
    (apiKeys.verify(request.headers.get('x-api-key') ?? '')?.scopes.includes('graphql:arbitrary') ?? false);

  const cache = config.redisUrl
    ? new RedisCache({ url: config.redisUrl, lazyConnect: true, logger: log as never })
    : new InMemoryLRUCache({ max: 10_000 });

  const runtime = createGatewayRuntime({
    cache,
    // Response cache for public (anonymous) queries only: a caller with credentials may see fields
    // others can't, so their answers are never shared. Mutations evict the entities they return.
    ...(config.responseCacheTtlMs > 0
      ? {
          responseCaching: {
            ttl: config.responseCacheTtlMs,
            session: () => null,
            enabled: (request: Request) =>
              !request.headers.has('x-api-key') && !request.headers.has('authorization'),
            includeExtensionMetadata: true,
            // The default key would JSON-encode uploaded files byte by byte.
            buildResponseCacheKey: responseCacheKey,
          },
        }
      : {}),
    supergraph: config.supergraphFile,
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
    maskedErrors: { maskError },
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
    requestId: { headerName: 'x-request-id' },
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
        notFound: {
          message: 'PersistedQueryNotFound',
          extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 404 } },
        },
        keyNotFound: {
          message: 'Send documentId (or extensions.persistedQuery.sha256Hash)',
          extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED', http: { status: 400 } },
        },
        persistedQueryOnly: {
          message: 'Only persisted documents run here: send documentId instead of a query',
          extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 403 } },
        },
      },
    },
    // Subgraphs trust only the gateway (shared secret) and learn who called (hashed id, scopes).
    propagateHeaders: {
      fromClientToSubgraphs: ({ context }) => {
        const principal = (context as AuthContext).principal;
        return {
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
    plugins: (ctx) => [
      ...(config.sandbox ? [useSandbox({ path: '/sandbox', graphqlEndpoint: '/graphql' })] : []),
      useRateLimit({ ...config.rateLimit, redis, registry }),
      ...useLimits(config.limits),
      useRestRoutes({ documents, graphqlEndpoint: '/graphql' }),
      useClassifyRoute({
        documents,
        graphqlEndpoint: '/graphql',
        maxUploadBytes: config.limits.maxUploadBytes,
      }),
      ...useAuth({ apiKeys, jwt: config.jwt }),
      useReadiness({ endpoint: '/ready', subgraphs }),
      useAccessLog(log),
      usePrometheus({ ...ctx, log: ctx.log, endpoint: '/metrics', registry, metrics: true }),
    ],
  });
  return {
    runtime,
    log,
    async close() {
      await runtime.dispose();
      await redis?.quit().catch(() => undefined);
    },
  };
}
