import path from 'node:path';
import { gatewaySecretOf, readConfig, setting } from '@cityassist/service-kit';
import { z } from 'zod';

const env = readConfig({
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
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  /** Shared secret sent to the subgraphs in x-gateway-secret (see the subgraphs' GATEWAY_SECRET). */
  GATEWAY_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** File of hashed API keys (`npm run api-key`). Default `.data/api-keys.json`; missing = no keys. */
  API_KEYS_FILE: z.string().default('.data/api-keys.json'),
  /** HS256 secret for JWTs (32+ characters). Either this or JWKS_URL turns JWT auth on. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** JWKS URL of an identity provider (RS256/ES256 tokens). */
  JWKS_URL: setting.url().optional(),
  /** Required `iss` claim, when set. */
  JWT_ISSUER: z.string().optional(),
  /** Required `aud` claim, when set. */
  JWT_AUDIENCE: z.string().optional(),
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
});

const overrides = Object.fromEntries(
  Object.entries({ zones: env.ZONES_URL, reports: env.REPORTS_URL, predictions: env.PREDICTIONS_URL }).filter(
    (e): e is [string, string] => e[1] !== undefined,
  ),
);

export const config = Object.freeze({
  host: env.GATEWAY_HOST,
  port: env.GATEWAY_PORT,
  development: env.NODE_ENV !== 'production',
  supergraphFile: env.SUPERGRAPH_FILE,
  subgraphUrls: overrides,
  upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS,
  persistedDocuments: env.PERSISTED_DOCUMENTS.split(',')
    .map((f) => f.trim())
    .filter(Boolean),
  allowArbitraryDocuments: env.ALLOW_ARBITRARY_DOCUMENTS ?? env.NODE_ENV !== 'production',
  logLevel: env.LOG_LEVEL,
  gatewaySecret: gatewaySecretOf(env),
  apiKeysFile: env.API_KEYS_FILE,
  jwt: { secret: env.JWT_SECRET, jwksUrl: env.JWKS_URL, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE },
});

export type GatewayConfig = typeof config;
