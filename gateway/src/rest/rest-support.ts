import { randomBytes } from 'node:crypto';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

/**
 * What the brief's REST routes share: each runs a persisted operation on the gateway's own
 * /graphql with the caller's credentials, and answers `{"error": {"code", "message"}}` with a 4xx/5xx
 * status when it fails.
 */

/** Marks the GraphQL request a REST route makes on the caller's behalf, so it is not counted twice. */
export const INTERNAL_HEADER = 'x-cityassist-internal';
export const internalToken = randomBytes(16).toString('hex');

/** HTTP status of each GraphQL error code a REST caller can meet. */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  BAD_USER_INPUT: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  TOO_MANY_FILES: 400,
  UNAUTHENTICATED: 401,
  UNAUTHORIZED_FIELD_OR_TYPE: 403,
  FEATURES_UNAVAILABLE: 404,
  LENGTH_REQUIRED: 411,
  REQUEST_TOO_LARGE: 413,
  REQUEST_ENTITY_TOO_LARGE: 413,
  UPLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IMAGE_UNREADABLE: 422,
  MODEL_INPUT_INVALID: 422,
  RATE_LIMITED: 429,
  PREDICTION_UNAVAILABLE: 503,
  SUBGRAPH_UNAVAILABLE: 503,
  TRIAGE_UNAVAILABLE: 503,
};

/** A GraphQL answer as a REST route reads it. */
export interface GraphQLResult<TData> {
  data?: TData | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

type RequestPayload = Parameters<NonNullable<GatewayPlugin['onRequest']>>[0];

/** `reply` answers JSON; `fail` answers `{"error": {"code", "message", "details"?}}`. */
export function restReplies(payload: Pick<RequestPayload, 'endResponse' | 'fetchAPI'>) {
  const { fetchAPI } = payload;
  const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    payload.endResponse(
      new fetchAPI.Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json', ...headers },
      }),
    );
  const fail = (
    status: number,
    code: string,
    message: string,
    details?: unknown,
    headers: Record<string, string> = {},
  ) => reply(status, { error: { code, message, ...(details ? { details } : {}) } }, headers);
  return { reply, fail };
}

/**
 * Headers of the GraphQL request a REST route makes: the caller's credentials and request id, and
 * the internal marker (the rate limiter counted the REST request already).
 */
export function forwardedHeaders(request: Request, extra: Record<string, string> = {}): Headers {
  const headers = new Headers({ ...extra, [INTERNAL_HEADER]: internalToken });
  for (const name of ['authorization', 'x-api-key', 'x-request-id']) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  return headers;
}

/** The REST error of a GraphQL answer that has no data: its first error's code, mapped to a status. */
export function restErrorOf(
  result: GraphQLResult<unknown>,
  httpStatus: number,
  fallback: string,
): { status: number; code: string; message: string } {
  const error = result.errors?.[0];
  const code = error?.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
  return {
    status: STATUS_BY_CODE[code] ?? (httpStatus >= 400 ? httpStatus : 500),
    code,
    message: error?.message ?? fallback,
  };
}

/**
 * Keeps a REST route's error shape when a plugin that runs before it (rate limit, body limits)
 * answers in GraphQL's `{"errors": [...]}`: the status and headers (Retry-After) stay, the body
 * becomes `{"error": {"code", "message"}}`.
 */
export function restErrorShape(path: string): NonNullable<GatewayPlugin['onResponse']> {
  return async (payload) => {
    const { request, response, fetchAPI } = payload;
    if (response.status < 400 || new URL(request.url).pathname !== path) return;
    if (!response.headers.get('content-type')?.includes('json')) return;
    const body = (await response
      .clone()
      .json()
      .catch(() => undefined)) as GraphQLResult<unknown> | { error?: unknown } | undefined;
    if (!body || 'error' in body || !Array.isArray((body as GraphQLResult<unknown>).errors)) return;
    const { code, message } = restErrorOf(
      body as GraphQLResult<unknown>,
      response.status,
      response.statusText,
    );
    const headers = new fetchAPI.Headers(response.headers);
    headers.delete('content-length');
    payload.setResponse(
      new fetchAPI.Response(JSON.stringify({ error: { code, message } }), {
        status: response.status,
        headers,
      }),
    );
  };
}
