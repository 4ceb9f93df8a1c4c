import type { IncomingMessage } from 'node:http';
import type { Instrumentation } from '@opentelemetry/instrumentation';

/** The libraries a service may have traced for it, by the module each one patches. */
export type InstrumentationName = 'http' | 'express' | 'graphql' | 'pg' | 'ioredis' | 'dataloader';

/** Every one: what a subgraph gets unless it says otherwise. */
export const ALL_INSTRUMENTATIONS: readonly InstrumentationName[] = [
  'http',
  'express',
  'graphql',
  'pg',
  'ioredis',
  'dataloader',
];

/**
 * The module specifiers the ESM hook (import-in-the-middle) wraps for each instrumentation: only
 * these, not every module of the service (wrapping TypeScript sources and every dependency made
 * the start slower and is not needed). Internal files (graphql's execute.js) are CommonJS
 * `require`s, which require-in-the-middle patches without the hook.
 */
export const HOOKED_MODULES: Record<InstrumentationName, readonly string[]> = {
  http: ['http', 'https', 'node:http', 'node:https'],
  express: ['express'],
  graphql: ['graphql'],
  pg: ['pg'],
  ioredis: ['ioredis'],
  dataloader: ['dataloader'],
};

/** Probes and scrapes arrive every few seconds and would bury the requests worth following. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/readiness', '/metrics']);

const untraced = (req: IncomingMessage) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? '');

/**
 * The instrumentations, configured for what these services send: no SQL parameter values and no
 * Redis arguments (they hold what citizens wrote), no span per GraphQL field or DataLoader key (a
 * 470-zone answer would be thousands), and database or Redis spans only inside a traced request,
 * not for pool housekeeping. Imported only when tracing is on.
 */
export async function loadInstrumentations(
  names: readonly InstrumentationName[],
): Promise<Instrumentation[]> {
  const wanted = new Set(names);
  const out: Instrumentation[] = [];
  if (wanted.has('http')) {
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
    out.push(new HttpInstrumentation({ ignoreIncomingRequestHook: untraced }));
  }
  if (wanted.has('express')) {
    const { ExpressInstrumentation, ExpressLayerType } =
      await import('@opentelemetry/instrumentation-express');
    // Only the router layers: they name the HTTP span's route; a span per middleware (the JSON
    // parser, the gateway check) says nothing the HTTP span's duration does not.
    out.push(new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }));
  }
  if (wanted.has('graphql')) {
    const { GraphQLInstrumentation } = await import('@opentelemetry/instrumentation-graphql');
    // Parse, validate and execute, not each field: to time a field the instrumentation wraps every
    // resolver of the schema and switches context on each call, however few spans it keeps. On
    // CityOutlook (about 80,000 resolver calls: 470 zones × 24 AQI points × their fields) its p50
    // was 3.5 s traced against 2.2 s untraced (bench/tracing.bench.ts, before this was turned
    // off); the spans of our own say where the time goes instead.
    out.push(new GraphQLInstrumentation({ ignoreResolveSpans: true }));
  }
  if (wanted.has('pg')) {
    const { PgInstrumentation } = await import('@opentelemetry/instrumentation-pg');
    out.push(new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }));
  }
  if (wanted.has('ioredis')) {
    const { IORedisInstrumentation } = await import('@opentelemetry/instrumentation-ioredis');
    out.push(
      new IORedisInstrumentation({
        requireParentSpan: true,
        dbStatementSerializer: (command, args) => `${command} (${args.length} arguments)`,
      }),
    );
  }
  if (wanted.has('dataloader')) {
    const { DataloaderInstrumentation } = await import('@opentelemetry/instrumentation-dataloader');
    out.push(batchSpansOnly(new DataloaderInstrumentation({ requireParentSpan: true })));
  }
  return out;
}

/**
 * DataLoader's batches, without a span per key. A CityOutlook loads about 1,400 keys in the
 * predictions subgraph (470 zones through three loaders) and primes 470 in zones: per-key
 * `dataloader.load` and `dataloader.prime` spans were 1,900 of its 2,000 spans, overflowed the
 * span processor's 2,048-span queue under concurrent requests, and showed nothing the batch span
 * does not (the batch runs once, for all of them). The instrumentation wraps each per-key method
 * with what its `_getPatched*` method returns when the module loads, so these return the method
 * unchanged; the batch function stays wrapped. (Checked by telemetry.test.ts's DataLoader test.)
 */
function batchSpansOnly<T extends Instrumentation>(instrumentation: T): T {
  const unchanged = (original: unknown) => original;
  return Object.assign(instrumentation, {
    _getPatchedLoad: unchanged,
    _getPatchedLoadMany: unchanged,
    _getPatchedPrime: unchanged,
    _getPatchedClear: unchanged,
    _getPatchedClearAll: unchanged,
  });
}
