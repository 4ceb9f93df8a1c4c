import { GraphQLError } from 'graphql';

/** One code the gateway answers with: its HTTP status and the message a client sees by default. */
export interface GatewayErrorSpec {
  status: number;
  message: string;
}

/**
 * Every `extensions.code` the gateway itself answers with, and its HTTP status: one catalogue for
 * the masking, authentication, limits, rate limits, WebSockets and the REST routes (fastify's
 * `lib/errors.js` habit). The README lists the same set; test/docs.test.ts fails when they differ.
 */
export const GATEWAY_ERRORS = {
  BAD_REQUEST: { status: 400, message: 'The request is not a valid GraphQL request.' },
  INVALID_JSON: { status: 400, message: 'The body is not valid JSON.' },
  BAD_USER_INPUT: { status: 400, message: 'A variable or argument is not valid.' },
  GRAPHQL_PARSE_FAILED: { status: 400, message: 'The document is not valid GraphQL.' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, message: 'The document does not fit the schema.' },
  QUERY_TOO_COMPLEX: { status: 400, message: 'The document is too deep, too long or has too many aliases.' },
  COST_ESTIMATED_TOO_EXPENSIVE: {
    status: 400,
    message: 'The estimated cost of the operation is over the limit.',
  },
  PERSISTED_QUERY_ID_REQUIRED: {
    status: 400,
    message: 'Send documentId (or extensions.persistedQuery.sha256Hash).',
  },
  UNAUTHENTICATED: { status: 401, message: 'The credentials are missing or not valid.' },
  UNAUTHORIZED_FIELD_OR_TYPE: { status: 403, message: 'The caller lacks a scope this field needs.' },
  PERSISTED_QUERY_ONLY: {
    status: 403,
    message: 'Only persisted documents run here: send documentId instead of a query.',
  },
  PERSISTED_QUERY_NOT_FOUND: { status: 404, message: 'PersistedQueryNotFound' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here.' },
  LENGTH_REQUIRED: { status: 411, message: 'Send a Content-Length.' },
  REQUEST_TOO_LARGE: { status: 413, message: 'The request body is larger than the limit.' },
  UPLOAD_TOO_LARGE: { status: 413, message: 'The upload is larger than the limit.' },
  TOO_MANY_FILES: { status: 413, message: 'The request carries more files than allowed.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The body is not of a type this path accepts.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests.' },
  TOO_MANY_SUBSCRIPTIONS: { status: 429, message: 'This connection holds the most subscriptions allowed.' },
  TOO_MANY_CONNECTIONS: { status: 429, message: 'This address holds the most live connections allowed.' },
  INTERNAL_SERVER_ERROR: { status: 500, message: 'Unexpected error.' },
  SUBGRAPH_UNAVAILABLE: { status: 503, message: 'A subgraph is unavailable; the fields it serves are null.' },
  // The runtime's own code for an operation still running when it is disposed: only when a drain
  // runs out of time (20 s), since the drain disposes it after the requests (gateway.ts).
  SHUTTING_DOWN: { status: 503, message: 'The gateway is shutting down; send the request again.' },
} as const satisfies Record<string, GatewayErrorSpec>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

/**
 * Codes the subgraphs raise that the REST routes turn into an HTTP status (a GraphQL answer stays
 * 200 with the error inside). Each subgraph's own catalogue is its `src/errors.ts`; the docs test
 * checks that these statuses agree with them.
 */
export const UPSTREAM_STATUS: Readonly<Record<string, number>> = {
  BAD_USER_INPUT: 400,
  FEATURES_UNAVAILABLE: 404,
  ZONE_NOT_FOUND: 422,
  MODEL_INPUT_INVALID: 422,
  IMAGE_UNREADABLE: 422,
  UPLOAD_TOO_LARGE: 413,
  TOO_MANY_FILES: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PREDICTION_UNAVAILABLE: 503,
  TRIAGE_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
};

/** The HTTP status of any code a client can meet through the gateway (500 when unknown). */
export function statusOf(code: string | undefined): number {
  if (code && code in GATEWAY_ERRORS) return GATEWAY_ERRORS[code as GatewayErrorCode].status;
  return (code && UPSTREAM_STATUS[code]) || 500;
}

/**
 * A GraphQL error with its code and, where the whole response should carry it (a refused request,
 * not one field of a partial answer), its HTTP status.
 */
export function gatewayError(
  code: GatewayErrorCode,
  message: string = GATEWAY_ERRORS[code].message,
  extensions: Record<string, unknown> = {},
  { httpStatus = true }: { httpStatus?: boolean } = {},
): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code,
      ...extensions,
      ...(httpStatus ? { http: { status: GATEWAY_ERRORS[code].status } } : {}),
    },
  });
}

/** A refused HTTP request as GraphQL over HTTP answers it: `{"errors": [...]}` with the code's status. */
export function errorResponse(
  fetchAPI: { Response: typeof Response },
  code: GatewayErrorCode,
  message: string = GATEWAY_ERRORS[code].message,
  {
    headers = {},
    extensions = {},
  }: { headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
): Response {
  return new fetchAPI.Response(
    JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] }),
    {
      status: GATEWAY_ERRORS[code].status,
      headers: { 'content-type': 'application/json', ...headers },
    },
  );
}
