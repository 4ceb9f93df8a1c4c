import path from 'node:path';
import { gatewaySecretOf, readConfig, setting, shutdownSettings } from '@cityassist/service-kit';
import { z } from 'zod';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** Every setting this service reads, by environment variable. */
export const settings = {
  GATEWAY_HOST: setting.host(),
  /** Port of the gateway. Default 4000; 0 picks a free one (tests). */
  GATEWAY_PORT: setting.port(4000),
  /** `development` serves GraphiQL on GET /graphql; `production` does not. */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Composed supergraph SDL. Default: the committed schema/supergraph.graphql. */
  SUPERGRAPH_FILE: z.string().default(path.resolve(import.meta.dirname, '../../schema/supergraph.graphql')),
  /** Subgraph URLs; each defaults to the URL composed into the supergraph (127.0.0.1:4001–4003). */
  ZONES_URL: setting.url().optional(),
  REPORTS_URL: setting.url().optional(),
  PREDICTIONS_URL: setting.url().optional(),
  /** Milliseconds a subgraph may take before the gateway answers without it. Default 10000. */
  UPSTREAM_TIMEOUT_MS: setting.positiveInt(10_000),
  /** Consecutive failed requests (unreachable, timed out, 5xx) that open a subgraph's circuit. Default 5. */
  CIRCUIT_BREAKER_FAILURES: setting.positiveInt(5),
  /** Seconds an open circuit fails fast before one request probes the subgraph again. Default 10. */
  CIRCUIT_BREAKER_OPEN_SECONDS: setting.positiveInt(10),
  /** Retries of a query whose subgraph could not be reached (never a mutation). Default 1; 0 = none. */
  UPSTREAM_RETRIES: z.coerce.number().int().min(0).max(3).default(1),
  /**
   * Who plans and executes federated queries: `js` (Hive's stitching runtime, the default) or `rust`
   * (Hive Router's query planner and executor, @graphql-hive/router-runtime, a native addon). The
   * effect of each is measured side by side in `npm run bench:peers` (docs/performance.md).
   */
  QUERY_PLANNER: z.enum(['js', 'rust']).default('js'),
  LOG_LEVEL: setting.logLevel(),
  ...shutdownSettings,
  /** Shared secret sent to the subgraphs in x-gateway-secret (see the subgraphs' GATEWAY_SECRET). */
  GATEWAY_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * File of hashed API keys (`npm run api-key`), read again when it changes. Default
   * `<repository>/.data/api-keys.json`, wherever the gateway starts; missing = no keys.
   */
  API_KEYS_FILE: z.string().default(path.join(repoRoot, '.data/api-keys.json')),
  /** HS256 secret for JWTs (32+ characters). Either this or JWKS_URL turns JWT auth on. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** JWKS URL of an identity provider (RS256/ES256 tokens). */
  JWKS_URL: setting.url().optional(),
  /** Required `iss` claim, when set. */
  JWT_ISSUER: z.string().optional(),
  /** Required `aud` claim, when set. */
  JWT_AUDIENCE: z.string().optional(),
  /** Accept JWTs without `exp` (they would never expire). Default false: such a token is refused. */
  JWT_ALLOW_NO_EXPIRY: setting.bool(false),
  /** Least seconds between two JWKS fetches, however many unknown `kid`s arrive. Default 30. */
  JWKS_COOLDOWN_SECONDS: setting.positiveInt(30),
  /** Most operations one graphql-ws connection may hold open at once. Default 20. */
  MAX_SUBSCRIPTIONS_PER_CONNECTION: setting.positiveInt(20),
  /** Most live graphql-ws connections and SSE streams per client address. Default 50. */
  MAX_CONNECTIONS_PER_IP: setting.positiveInt(50),
  /**
   * Serve /metrics on this port only (for a Prometheus inside the cluster), not on the public
   * listener. Unset: /metrics is on GATEWAY_PORT. `off`: no /metrics at all.
   */
  METRICS_PORT: z.union([z.literal('off'), z.coerce.number().int().min(0).max(65535)]).optional(),
  /** Redis for shared rate limits (and cache, pub/sub). Unset: in-process, good for one replica. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Prefix of the gateway's own Redis keys (rate limits), so deployments can share a Redis. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/)
    .default('cityassist:'),
  /** Requests per window per authenticated caller (API key, or a JWT's subject). Default 600. */
  RATE_LIMIT_PER_KEY: setting.positiveInt(600),
  /** Requests per window per anonymous IP address. Default 120. */
  RATE_LIMIT_PER_IP: setting.positiveInt(120),
  /** Rate-limit window in seconds. Default 60. */
  RATE_LIMIT_WINDOW_SECONDS: setting.positiveInt(60),
  /** Read the client address from X-Forwarded-For (only behind a proxy you trust). Default false. */
  TRUST_PROXY: setting.bool(false),
  /** Deepest selection set accepted. Default 10 (the deepest committed operation needs 6). */
  MAX_QUERY_DEPTH: setting.positiveInt(10),
  /** Most aliases per document. Default 30. */
  MAX_ALIASES: setting.positiveInt(30),
  /** Most tokens per document. Default 5000. */
  MAX_TOKENS: setting.positiveInt(5000),
  /** Highest estimated cost (@cost/@listSize demand control) accepted. Default 5000. */
  MAX_QUERY_COST: setting.positiveInt(5000),
  /** Serve the bundled GraphiQL (offline) on GET /graphql. Default: on in development, off in production. */
  GRAPHIQL: setting.optionalBool(),
  /** Serve the Apollo Sandbox page at /sandbox (loads from Apollo's CDN). Default as GRAPHIQL. */
  SANDBOX: setting.optionalBool(),
  /**
   * Serve the dashboard page (dashboard/, built into dashboard/dist by `npm ci` or
   * `npm run build:dashboard`) at /dashboard, with all its assets (works offline). Default true, in
   * development and production alike; false answers /dashboard like any unknown path.
   */
  DASHBOARD: setting.bool(true),
  /**
   * How long an anonymous query's response is cached, in ms (Redis when REDIS_URL is set, else in
   * process). Bounds how stale a cached flood score can be. Default 30000; 0 turns caching off.
   */
  RESPONSE_CACHE_TTL_MS: z.coerce.number().int().min(0).default(30_000),
  /** Largest request body in bytes. Default 1 MiB. */
  MAX_BODY_BYTES: setting.positiveInt(1024 * 1024),
  /**
   * Largest file in a multipart upload (GraphQL multipart request spec), in bytes. The reports
   * subgraph applies the same limit; a multipart body may exceed it by MAX_BODY_BYTES (the
   * operation and the map). Default 10 MiB.
   */
  UPLOAD_MAX_BYTES: setting.positiveInt(10 * 1024 * 1024),
  /** Most files in one multipart request. Default 1. */
  UPLOAD_MAX_FILES: setting.positiveInt(1),
  /**
   * Comma-separated persisted-document manifests (GraphQL Code Generator's persisted-documents.json
   * or an Apollo persisted-query manifest). Default: the one generated from schema/operations.
   */
  PERSISTED_DOCUMENTS: z
    .string()
    .default(
      path.resolve(import.meta.dirname, '../../packages/client/src/generated/persisted-documents.json'),
    ),
  /**
   * Whether documents that are not persisted may run. Default: yes in development, no in production
   * (then only the reviewed operations in the manifests run).
   */
  ALLOW_ARBITRARY_DOCUMENTS: setting.optionalBool(),
};

/**
 * The gateway's settings from an environment (default: the process's), validated and frozen. Pure:
 * tests call it with the variables they care about and get every other default as production does.
 */
export function parseConfig(source: NodeJS.ProcessEnv = process.env) {
  const env = readConfig(settings, source);
  const overrides = Object.fromEntries(
    Object.entries({
      zones: env.ZONES_URL,
      reports: env.REPORTS_URL,
      predictions: env.PREDICTIONS_URL,
    }).filter((e): e is [string, string] => e[1] !== undefined),
  );

  return Object.freeze({
    host: env.GATEWAY_HOST,
    port: env.GATEWAY_PORT,
    development: env.NODE_ENV !== 'production',
    graphiql: env.GRAPHIQL ?? env.NODE_ENV !== 'production',
    sandbox: env.SANDBOX ?? env.GRAPHIQL ?? env.NODE_ENV !== 'production',
    dashboard: { enabled: env.DASHBOARD, dir: path.join(repoRoot, 'dashboard/dist') },
    supergraphFile: env.SUPERGRAPH_FILE,
    subgraphUrls: overrides,
    upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS,
    upstreamRetries: env.UPSTREAM_RETRIES,
    queryPlanner: env.QUERY_PLANNER,
    circuitBreaker: {
      failures: env.CIRCUIT_BREAKER_FAILURES,
      openMs: env.CIRCUIT_BREAKER_OPEN_SECONDS * 1000,
    },
    persistedDocuments: env.PERSISTED_DOCUMENTS.split(',')
      .map((f) => f.trim())
      .filter(Boolean),
    allowArbitraryDocuments: env.ALLOW_ARBITRARY_DOCUMENTS ?? env.NODE_ENV !== 'production',
    logLevel: hiveLevel(env.LOG_LEVEL),
    shutdownDelayMs: env.SHUTDOWN_DELAY_MS,
    gatewaySecret: gatewaySecretOf(env),
    apiKeysFile: path.resolve(env.API_KEYS_FILE),
    metricsPort: env.METRICS_PORT,
    websocket: {
      maxSubscriptionsPerConnection: env.MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxConnectionsPerIp: env.MAX_CONNECTIONS_PER_IP,
    },
    redisUrl: env.REDIS_URL,
    responseCacheTtlMs: env.RESPONSE_CACHE_TTL_MS,
    rateLimit: {
      keyPoints: env.RATE_LIMIT_PER_KEY,
      ipPoints: env.RATE_LIMIT_PER_IP,
      windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
      trustProxy: env.TRUST_PROXY,
      keyPrefix: env.REDIS_KEY_PREFIX,
    },
    limits: {
      maxDepth: env.MAX_QUERY_DEPTH,
      maxAliases: env.MAX_ALIASES,
      maxTokens: env.MAX_TOKENS,
      maxBodyBytes: env.MAX_BODY_BYTES,
      maxUploadBytes: env.UPLOAD_MAX_BYTES,
      maxUploadFiles: env.UPLOAD_MAX_FILES,
      maxCost: env.MAX_QUERY_COST,
    },
    jwt: {
      secret: env.JWT_SECRET,
      jwksUrl: env.JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      allowNoExpiry: env.JWT_ALLOW_NO_EXPIRY,
      jwksCooldownMs: env.JWKS_COOLDOWN_SECONDS * 1000,
    },
  });
}

export type GatewayConfig = ReturnType<typeof parseConfig>;

/** Hive's logger knows error…debug: the subgraphs' extra levels map onto the nearest, silent to off. */
function hiveLevel(level: string): 'error' | 'warn' | 'info' | 'debug' | false {
  if (level === 'silent') return false;
  if (level === 'fatal') return 'error';
  if (level === 'trace') return 'debug';
  return level as 'error' | 'warn' | 'info' | 'debug';
}
