import path from 'node:path';
import { readConfig, setting } from '@cityassist/service-kit';
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
});

export type GatewayConfig = typeof config;
