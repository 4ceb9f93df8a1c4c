import type { GatewayPlugin, GatewayRuntime } from '@graphql-hive/gateway-runtime';
import type { Callers } from '../auth/callers.ts';
import { statusOf, type GatewayErrorCode } from '../errors.ts';
import { documentIdByName, type DocumentStore } from '../persisted-documents.ts';
import type { RequestIds } from '../request-ids.ts';
import type { GraphQLBody, RestFailure, RestRoute } from '../rest/routes.ts';

export interface RestRoutesOptions {
  routes: readonly RestRoute[];
  documents: DocumentStore;
  callers: Callers;
  requestIds: RequestIds;
  /** The runtime the routes execute on; known once it is built (the plugin is part of it). */
  runtime: () => GatewayRuntime;
  /** Largest uploaded file, in bytes (UPLOAD_MAX_BYTES). */
  maxUploadBytes: number;
}

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * Serves the REST routes of the route table (rest/routes.ts). Each request is checked and turned
 * into its persisted operation, which runs in process through the runtime itself, with every plugin
 * the GraphQL endpoint has (persisted documents, limits, scopes): no HTTP call back into the gateway
 * and no URL taken from the client's Host header. The in-process request carries the caller the
 * REST request was authenticated as, and is marked internal by the object itself, so it is not rate
 * limited twice. Errors are `{"error": {"code", "message"}}` with the code's status.
 */
export function useRestRoutes(opts: RestRoutesOptions): GatewayPlugin {
  const routes = new Map(
    opts.routes.map((route) => {
      const id = documentIdByName(opts.documents, route.operation);
      if (!id) {
        throw new Error(
          `the REST route ${route.path} needs the persisted operation ${route.operation}; run npm run codegen`,
        );
      }
      return [route.path, { route, documentId: `sha256:${id}` }] as const;
    }),
  );
  return {
    onRequest(payload) {
      const { request, url, fetchAPI, serverContext } = payload;
      const entry = routes.get(url.pathname);
      if (!entry) return;
      const { route, documentId } = entry;
      const fail = (failure: RestFailure) => payload.endResponse(restError(fetchAPI, failure));

      if (request.method !== 'POST') {
        return fail({ code: 'METHOD_NOT_ALLOWED', message: 'Use POST', headers: { allow: 'POST' } });
      }
      if (!request.headers.get('content-type')?.toLowerCase().startsWith(route.contentType)) {
        const hint = route.contentType === 'multipart/form-data' ? ' with the image in the field "file"' : '';
        return fail({ code: 'UNSUPPORTED_MEDIA_TYPE', message: `Send ${route.contentType}${hint}` });
      }
      return (async () => {
        const body = await route.read(request, { maxUploadBytes: opts.maxUploadBytes });
        if (!('kind' in body)) return fail(body);
        const internal = new fetchAPI.Request(new URL('/graphql', url), {
          method: 'POST',
          ...(await encode(fetchAPI, documentId, body)),
        });
        const requestId = request.headers.get('x-request-id') ?? opts.requestIds.of(request);
        if (requestId) internal.headers.set('x-request-id', requestId);
        opts.callers.markInternal(internal, await opts.callers.of(request));
        const response = await opts.runtime().fetch(internal, serverContext);
        const result = (await response.json()) as GraphQLAnswer;
        const answer = route.answer(result.data);
        if (answer !== undefined) {
          return payload.endResponse(
            new fetchAPI.Response(JSON.stringify(answer), {
              headers: { 'content-type': 'application/json' },
            }),
          );
        }
        const error = result.errors?.[0];
        const code = error?.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
        return payload.endResponse(
          restError(
            fetchAPI,
            { code: code as GatewayErrorCode, message: error?.message ?? 'No answer' },
            response,
          ),
        );
      })().catch(() => fail({ code: 'INTERNAL_SERVER_ERROR', message: 'The request failed' }));
    },
    // A plugin that runs first (rate limit, auth, body limits) answers in GraphQL's
    // `{"errors": [...]}`: on a REST path the status and headers (Retry-After) stay, the body becomes
    // `{"error": {"code", "message"}}`.
    async onResponse(payload) {
      const { request, response, fetchAPI } = payload;
      if (response.status < 400 || !routes.has(new URL(request.url).pathname)) return;
      if (!response.headers.get('content-type')?.includes('json')) return;
      const body = (await response
        .clone()
        .json()
        .catch(() => undefined)) as (GraphQLAnswer & { error?: unknown }) | undefined;
      if (!body || 'error' in body || !Array.isArray(body.errors)) return;
      const error = body.errors[0];
      const headers = new fetchAPI.Headers(response.headers);
      headers.delete('content-length');
      payload.setResponse(
        new fetchAPI.Response(
          JSON.stringify({
            error: { code: error?.extensions?.code ?? 'INTERNAL_SERVER_ERROR', message: error?.message },
          }),
          { status: response.status, headers },
        ),
      );
    },
  };
}

/** The in-process GraphQL request: JSON, or a GraphQL multipart request with the one file. */
async function encode(
  fetchAPI: { FormData: typeof FormData; Response: typeof Response },
  documentId: string,
  body: GraphQLBody,
): Promise<{ headers: Record<string, string>; body: string | ArrayBuffer }> {
  const operations = JSON.stringify({ documentId, variables: body.variables });
  if (body.kind === 'json') {
    return { headers: { 'content-type': 'application/json', accept: 'application/json' }, body: operations };
  }
  // https://github.com/jaydenseric/graphql-multipart-request-spec, encoded up front so the request
  // declares its length like a client's.
  const form = new fetchAPI.FormData();
  form.append('operations', operations);
  form.append('map', JSON.stringify({ 0: [`variables.${body.file.variable}`] }));
  form.append('0', body.file.blob, body.file.name);
  const encoded = new fetchAPI.Response(form);
  return {
    headers: {
      'content-type': encoded.headers.get('content-type') ?? 'multipart/form-data',
      accept: 'application/json',
    },
    body: await encoded.arrayBuffer(),
  };
}

/**
 * `{"error": {"code", "message", "details"?}}`: with the status the GraphQL answer had when it
 * failed as a whole (401 for an anonymous caller, 403 for a missing scope), else its code's status.
 */
function restError(
  fetchAPI: { Response: typeof Response },
  failure: RestFailure,
  graphql?: Response,
): Response {
  const status = graphql && graphql.status >= 400 ? graphql.status : statusOf(failure.code);
  // A subgraph whose database is away will be back: tell the client when to try again.
  const retryAfter =
    graphql?.headers.get('retry-after') ?? ((failure.code as string) === 'SERVICE_UNAVAILABLE' ? '2' : null);
  return new fetchAPI.Response(
    JSON.stringify({
      error: {
        code: failure.code,
        message: failure.message,
        ...(failure.details ? { details: failure.details } : {}),
      },
    }),
    {
      status,
      headers: {
        'content-type': 'application/json',
        ...(retryAfter ? { 'retry-after': retryAfter } : {}),
        ...failure.headers,
      },
    },
  );
}
