import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError } from 'graphql';

export interface LimitOptions {
  /** Deepest selection accepted (introspection excluded). */
  maxDepth: number;
  /** Most aliases in one document (alias floods multiply resolver work). */
  maxAliases: number;
  /** Most lexical tokens in one document (bounds parsing cost). */
  maxTokens: number;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** Largest uploaded file; a multipart body may be this plus maxBodyBytes. */
  maxUploadBytes: number;
  /** Most files in one multipart request. */
  maxUploadFiles: number;
}

/**
 * Static limits on what a document may ask for (graphql-armor's depth, alias and token rules, run
 * before execution), and on the size of a request body: a declared Content-Length over the limit
 * gets 413, and a POST without one gets 411, so no body is read unbounded.
 */
export function useLimits(opts: LimitOptions): GatewayPlugin[] {
  const json = (fetchAPI: { Response: typeof Response }, status: number, message: string, code: string) =>
    new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  return [
    {
      onRequest(payload) {
        const { request, fetchAPI } = payload;
        if (request.method !== 'POST') return;
        const length = request.headers.get('content-length');
        if (length === null) {
          // graphql-ws and SSE subscriptions arrive as GET; a POST body must declare its size.
          if (request.headers.get('transfer-encoding')) {
            payload.endResponse(json(fetchAPI, 411, 'Send a Content-Length', 'LENGTH_REQUIRED'));
          }
          return;
        }
        const multipart = request.headers.get('content-type')?.startsWith('multipart/form-data') ?? false;
        const limit = multipart ? opts.maxUploadBytes + opts.maxBodyBytes : opts.maxBodyBytes;
        if (Number(length) > limit) {
          payload.endResponse(
            multipart
              ? json(fetchAPI, 413, `An upload is at most ${opts.maxUploadBytes} bytes`, 'UPLOAD_TOO_LARGE')
              : json(fetchAPI, 413, `The request body is larger than ${limit} bytes`, 'REQUEST_TOO_LARGE'),
          );
        }
      },
      // Counted after the multipart body is parsed (bounded by the size check above), before the
      // files travel on to a subgraph.
      onParams({ params, setResult }) {
        const files = countFiles(params.variables);
        if (files > opts.maxUploadFiles) {
          setResult({
            errors: [
              new GraphQLError(`At most ${opts.maxUploadFiles} file(s) per request; got ${files}`, {
                extensions: { code: 'TOO_MANY_FILES', http: { status: 400 } },
              }),
            ],
          });
        }
      },
    },
    maxDepthPlugin({ n: opts.maxDepth, ignoreIntrospection: true, flattenFragments: true }) as GatewayPlugin,
    maxAliasesPlugin({ n: opts.maxAliases }) as GatewayPlugin,
    maxTokensPlugin({ n: opts.maxTokens }) as GatewayPlugin,
  ];
}

/** Files anywhere in the variables (the multipart parser puts each where the map says). */
function countFiles(value: unknown, depth = 0): number {
  if (depth > 20 || value === null || typeof value !== 'object') return 0;
  // The runtime's multipart parser makes @whatwg-node ponyfill Files, which are no instances of the
  // global Blob: recognise a file the way its HTTP transport does, by its arrayBuffer method (and
  // never walk into its bytes).
  if (typeof (value as { arrayBuffer?: unknown }).arrayBuffer === 'function') return 1;
  return Object.values(value).reduce<number>((n, v) => n + countFiles(v, depth + 1), 0);
}
