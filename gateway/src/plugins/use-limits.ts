import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';

export interface LimitOptions {
  /** Deepest selection accepted (introspection excluded). */
  maxDepth: number;
  /** Most aliases in one document (alias floods multiply resolver work). */
  maxAliases: number;
  /** Most lexical tokens in one document (bounds parsing cost). */
  maxTokens: number;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
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
        if (Number(length) > opts.maxBodyBytes) {
          payload.endResponse(
            json(
              fetchAPI,
              413,
              `The request body is larger than ${opts.maxBodyBytes} bytes`,
              'REQUEST_TOO_LARGE',
            ),
          );
        }
      },
    },
    maxDepthPlugin({ n: opts.maxDepth, ignoreIntrospection: true, flattenFragments: true }) as GatewayPlugin,
    maxAliasesPlugin({ n: opts.maxAliases }) as GatewayPlugin,
    maxTokensPlugin({ n: opts.maxTokens }) as GatewayPlugin,
  ];
}
