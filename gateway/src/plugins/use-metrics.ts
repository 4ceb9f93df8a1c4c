import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { getOperationAST, Kind, OperationTypeNode, parse, type ExecutionResult } from 'graphql';
import { Counter, Histogram, type Registry } from 'prom-client';
import { documentIdOf, normaliseDocumentId, type DocumentStore } from '../persisted-documents.ts';

/** The `operation` label of every request that did not name a persisted document. */
export const OTHER_OPERATION = 'other';
/** The `operation` label of a persisted document whose operation has no name. */
export const ANONYMOUS_OPERATION = 'anonymous';
/** The `code` label once `MAX_CODES` distinct codes were seen, or for a code that is not one. */
export const OTHER_CODE = 'OTHER';
const MAX_CODES = 100;
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * Codes that mean the service failed, not the caller: they spend the availability error budget
 * (docs/slo.md). A code outside this list is the caller's (4xx) or, PREDICTION_DEGRADED, a fallback
 * answer that still counts as served.
 */
export const SERVER_ERROR_CODES: ReadonlySet<string> = new Set([
  'INTERNAL_SERVER_ERROR',
  'SUBGRAPH_UNAVAILABLE',
  'SHUTTING_DOWN',
  'PREDICTION_UNAVAILABLE',
  'TRIAGE_UNAVAILABLE',
  'SERVICE_UNAVAILABLE',
]);
const DEGRADED_CODES: ReadonlySet<string> = new Set(['PREDICTION_DEGRADED']);

/** Latency buckets (seconds); the SLO thresholds (1 s, 2.5 s) are bucket bounds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Outcome = 'ok' | 'degraded' | 'client_error' | 'server_error';

interface Pending {
  began: number;
  operation: string;
  codes: string[];
  cache?: 'hit' | 'miss';
}

export interface MetricsOptions {
  registry: Registry;
  /** The trusted documents: a request naming one is labelled with its operation's name. */
  documents: DocumentStore;
  /** Where /metrics is served on the public listener; `false` when server.ts serves it elsewhere. */
  endpoint: string | false;
  /** The GraphQL path whose requests are counted. Default `/graphql`. */
  graphqlEndpoint?: string;
}

/**
 * The gateway's request metrics, with bounded labels (the brief's `requests_total`, `errors_total`,
 * `cache_hits`, and per-operation latency):
 *
 * - `requests_total{operation, status_class, outcome}`: every HTTP request to /graphql (SSE
 *   included; graphql-ws operations are not HTTP requests). `operation` is the persisted
 *   document's operation name, `other` for any document sent as text and for requests refused
 *   before their document was read (rate limits, size limits), so a client cannot mint series;
 *   `status_class` the HTTP status class; `outcome` `ok`, `degraded` (a fallback answer),
 *   `client_error` or `server_error` (any error whose code is in SERVER_ERROR_CODES, also inside
 *   a 200 partial answer).
 * - `errors_total{operation, code}`: every error in an answer, by `extensions.code`.
 * - `graphql_request_duration_seconds{operation}`: time to the response, for requests whose
 *   response is not a stream (subscriptions and incremental delivery are meant to stay open).
 * - `cache_hits_total` / `cache_misses_total{cache="response"}`: the response cache (read from the
 *   `responseCache` extension, so gateway.ts keeps `includeExtensionMetadata` on).
 * - `subgraph_requests_total{subgraph, outcome}` and `subgraph_request_duration_seconds{subgraph}`:
 *   each request the gateway sent a subgraph (queries and mutations).
 *
 * It also serves `endpoint` (the registry as Prometheus text), the job @graphql-mesh's Prometheus
 * plugin did: its metrics carried camelCase labels, counters without `_total` and the client's own
 * operation name, which `promtool check metrics` refuses and a client could fill with new series.
 */
export function useMetrics(opts: MetricsOptions): GatewayPlugin {
  const { registry } = opts;
  const graphqlEndpoint = opts.graphqlEndpoint ?? '/graphql';
  const names = operationNames(opts.documents);
  const requests = new Counter({
    name: 'requests_total',
    help: 'GraphQL HTTP requests, by persisted operation (or "other"), HTTP status class and outcome',
    labelNames: ['operation', 'status_class', 'outcome'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'errors_total',
    help: 'Errors in GraphQL answers, by persisted operation (or "other") and extensions.code',
    labelNames: ['operation', 'code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'Time from a GraphQL request to its response, by persisted operation (or "other"); streams excluded',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const cacheHits = new Counter({
    name: 'cache_hits_total',
    help: 'Response cache lookups answered from the cache',
    labelNames: ['cache'],
    registers: [registry],
  });
  const cacheMisses = new Counter({
    name: 'cache_misses_total',
    help: 'Response cache lookups that ran the operation',
    labelNames: ['cache'],
    registers: [registry],
  });
  const subgraphRequests = new Counter({
    name: 'subgraph_requests_total',
    help: 'Requests the gateway sent to a subgraph, by outcome (ok, error: it answered with errors, failed: unreachable, timed out or 5xx; each retry counts, a circuit-open refusal sends nothing)',
    labelNames: ['subgraph', 'outcome'],
    registers: [registry],
  });
  const subgraphDuration = new Histogram({
    name: 'subgraph_request_duration_seconds',
    help: 'Time a subgraph took to answer the gateway',
    labelNames: ['subgraph'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const seenCodes = new Set<string>();
  const codeLabel = (code: unknown): string => {
    if (typeof code !== 'string') return 'INTERNAL_SERVER_ERROR';
    if (!CODE.test(code)) return OTHER_CODE;
    if (seenCodes.has(code)) return code;
    if (seenCodes.size >= MAX_CODES) return OTHER_CODE;
    seenCodes.add(code);
    return code;
  };
  const pending = new WeakMap<Request, Pending>();

  return {
    onRequest(payload) {
      const { request, url, fetchAPI } = payload;
      if (opts.endpoint && url.pathname === opts.endpoint && request.method === 'GET') {
        return registry
          .metrics()
          .then((text) =>
            payload.endResponse(
              new fetchAPI.Response(text, { headers: { 'content-type': registry.contentType } }),
            ),
          );
      }
      if (url.pathname === graphqlEndpoint) {
        pending.set(request, { began: performance.now(), operation: OTHER_OPERATION, codes: [] });
      }
      return undefined;
    },
    // The raw parameters: by onParams the persisted-documents plugin has swapped the id for the text.
    onRequestParse({ request }) {
      const state = pending.get(request);
      if (!state) return undefined;
      return {
        onRequestParseDone({ requestParserResult }) {
          // A batch is `other`: one label per request.
          if (Array.isArray(requestParserResult)) return;
          const id =
            documentIdOf(requestParserResult as Parameters<typeof documentIdOf>[0]) ??
            new URL(request.url).searchParams.get('documentId');
          const hex = id ? normaliseDocumentId(id) : undefined;
          state.operation = (hex && names.get(hex)) || OTHER_OPERATION;
        },
      };
    },
    onResultProcess({ request, result }) {
      const state = pending.get(request);
      if (!state || isAsyncIterable(result)) return;
      for (const one of Array.isArray(result) ? result : [result]) {
        const executed = one as ExecutionResult;
        for (const error of executed.errors ?? []) {
          state.codes.push(codeLabel((error as { extensions?: { code?: unknown } }).extensions?.code));
        }
        const cached = (executed.extensions?.['responseCache'] as { hit?: unknown } | undefined)?.hit;
        if (typeof cached === 'boolean') state.cache = cached ? 'hit' : 'miss';
      }
    },
    onResponse({ request, response }) {
      const state = pending.get(request);
      if (!state) return;
      pending.delete(request);
      const { operation } = state;
      const outcome = outcomeOf(response.status, state.codes);
      requests.inc({ operation, status_class: `${Math.floor(response.status / 100)}xx`, outcome });
      for (const code of state.codes) errors.inc({ operation, code });
      if (state.cache === 'hit') cacheHits.inc({ cache: 'response' });
      if (state.cache === 'miss') cacheMisses.inc({ cache: 'response' });
      const type = response.headers.get('content-type') ?? '';
      if (!type.includes('text/event-stream') && !type.includes('multipart/mixed')) {
        duration.observe({ operation }, (performance.now() - state.began) / 1000);
      }
    },
    // `executor` is a plain function the runtime hands over (no `this`), typed as a method.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    onSubgraphExecute({ subgraphName, executionRequest, executor, setExecutor }) {
      const operation = getOperationAST(executionRequest.document, executionRequest.operationName);
      if (operation?.operation === OperationTypeNode.SUBSCRIPTION) return;
      const subgraph = subgraphName;
      setExecutor(async (request) => {
        const began = performance.now();
        const done = (outcome: 'ok' | 'error' | 'failed') => {
          subgraphRequests.inc({ subgraph, outcome });
          subgraphDuration.observe({ subgraph }, (performance.now() - began) / 1000);
        };
        try {
          const result = await executor(request);
          if (Symbol.asyncIterator in result) return result;
          const errs = (result.errors ?? []) as readonly { extensions?: { code?: unknown } }[];
          done(errs.some(isUpstreamFailure) ? 'failed' : errs.length ? 'error' : 'ok');
          return result;
        } catch (err) {
          done('failed');
          throw err;
        }
      });
    },
  };
}

/** The outcome of one request from its HTTP status and the codes of the errors in its answer. */
export function outcomeOf(status: number, codes: readonly string[]): Outcome {
  if (status >= 500 || codes.some((c) => SERVER_ERROR_CODES.has(c) || c === OTHER_CODE)) {
    return 'server_error';
  }
  if (status >= 400 || codes.some((c) => !DEGRADED_CODES.has(c))) return 'client_error';
  return codes.length ? 'degraded' : 'ok';
}

/** Persisted document id (sha256 hex) → the name of its operation. */
export function operationNames(documents: DocumentStore): Map<string, string> {
  const names = new Map<string, string>();
  for (const [id, text] of documents) {
    let name = ANONYMOUS_OPERATION;
    try {
      const op = parse(text).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
      name = op?.name?.value ?? ANONYMOUS_OPERATION;
    } catch {
      // The store holds what the manifest said; a document that does not parse fails when it runs.
    }
    names.set(id, name);
  }
  return names;
}

const UPSTREAM_FAILURES = new Set([
  'SUBREQUEST_HTTP_ERROR',
  'DOWNSTREAM_SERVICE_ERROR',
  'GATEWAY_TIMEOUT',
  'SUBGRAPH_UNAVAILABLE',
]);
const isUpstreamFailure = (e: { extensions?: { code?: unknown } }) =>
  typeof e.extensions?.code === 'string' && UPSTREAM_FAILURES.has(e.extensions.code);

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
