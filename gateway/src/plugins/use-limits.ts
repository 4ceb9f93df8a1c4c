import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { type GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { errorResponse, gatewayError } from '../errors.ts';

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
 * Static limits on what a request may ask for, before anything executes:
 * - the body: a declared Content-Length over the limit gets 413, a POST without one 411;
 * - the document, before it is parsed: brackets nested deeper than any allowed selection could
 *   need, or more tokens than allowed, are QUERY_TOO_COMPLEX (graphql-js parses recursively, so a
 *   document 3,000 levels deep would overflow the stack before the token limit is met); a NUL
 *   character in a string (the document's or a variable's) is BAD_USER_INPUT, since Postgres text
 *   cannot hold one;
 * - files: more than allowed is TOO_MANY_FILES;
 * - then graphql-armor's depth, alias and token rules on the parsed document.
 */
export function useLimits(opts: LimitOptions): GatewayPlugin[] {
  // Each selection level costs a `{` plus, at most, arguments with nested input objects and lists;
  // four brackets a level is far more than any real document needs and far less than the stack.
  const maxNesting = Math.max(32, opts.maxDepth * 4);
  return [
    {
      onRequest(payload) {
        const { request, fetchAPI } = payload;
        if (request.method !== 'POST') return;
        const length = request.headers.get('content-length');
        if (length === null) {
          // graphql-ws and SSE subscriptions arrive as GET; a POST body must declare its size.
          if (request.headers.get('transfer-encoding')) {
            payload.endResponse(errorResponse(fetchAPI, 'LENGTH_REQUIRED'));
          }
          return;
        }
        const multipart = request.headers.get('content-type')?.startsWith('multipart/form-data') ?? false;
        const limit = multipart ? opts.maxUploadBytes + opts.maxBodyBytes : opts.maxBodyBytes;
        if (Number(length) > limit) {
          payload.endResponse(
            multipart
              ? errorResponse(
                  fetchAPI,
                  'UPLOAD_TOO_LARGE',
                  `An upload is at most ${opts.maxUploadBytes} bytes`,
                )
              : errorResponse(
                  fetchAPI,
                  'REQUEST_TOO_LARGE',
                  `The request body is larger than ${limit} bytes`,
                ),
          );
        }
      },
      // After the body is parsed (bounded by the size check above), before the document is.
      onParams({ params, setResult }) {
        const refusal =
          (typeof params.query === 'string'
            ? scanDocument(params.query, maxNesting, opts.maxTokens)
            : undefined) ?? nulInVariables(params.variables);
        if (refusal) return setResult({ errors: [refusal] });
        const files = countFiles(params.variables);
        if (files > opts.maxUploadFiles) {
          setResult({
            errors: [
              gatewayError(
                'TOO_MANY_FILES',
                `At most ${opts.maxUploadFiles} file(s) per request; got ${files}`,
              ),
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

/**
 * One pass of graphql-js's own lexer over the document, without parsing it: bracket nesting, token
 * count and NUL characters in string values. A syntax error is left to the parser to report.
 */
function scanDocument(query: string, maxNesting: number, maxTokens: number): GraphQLError | undefined {
  const lexer = new Lexer(new Source(query));
  let depth = 0;
  let tokens = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens += 1;
      if (tokens > maxTokens) {
        return gatewayError('QUERY_TOO_COMPLEX', `Token limit of ${maxTokens} exceeded.`);
      }
      const kind = token.kind;
      if (kind === TokenKind.BRACE_L || kind === TokenKind.PAREN_L || kind === TokenKind.BRACKET_L) {
        depth += 1;
        if (depth > maxNesting) {
          return gatewayError('QUERY_TOO_COMPLEX', `Nesting limit of ${maxNesting} brackets exceeded.`);
        }
      } else if (kind === TokenKind.BRACE_R || kind === TokenKind.PAREN_R || kind === TokenKind.BRACKET_R) {
        depth -= 1;
      } else if (
        (kind === TokenKind.STRING || kind === TokenKind.BLOCK_STRING) &&
        token.value.includes('\0')
      ) {
        return gatewayError('BAD_USER_INPUT', 'A string in the document contains a NUL (\\u0000) character.');
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** The first variable (by path) whose string holds a NUL character, as BAD_USER_INPUT. */
function nulInVariables(variables: unknown): GraphQLError | undefined {
  const path = findNul(variables, [], 0);
  return path
    ? gatewayError('BAD_USER_INPUT', `Variable "$${path.join('.')}" contains a NUL (\\u0000) character.`, {
        variable: path.join('.'),
      })
    : undefined;
}

function findNul(value: unknown, path: (string | number)[], depth: number): (string | number)[] | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined;
  if (depth > 32 || value === null || typeof value !== 'object' || isFile(value)) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = findNul(inner, [...path, Array.isArray(value) ? Number(key) : key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

// The runtime's multipart parser makes @whatwg-node ponyfill Files, which are no instances of the
// global Blob: recognise a file the way its HTTP transport does, by its arrayBuffer method (and
// never walk into its bytes).
const isFile = (value: object) => typeof (value as { arrayBuffer?: unknown }).arrayBuffer === 'function';

/** Files anywhere in the variables (the multipart parser puts each where the map says). */
function countFiles(value: unknown, depth = 0): number {
  if (depth > 20 || value === null || typeof value !== 'object') return 0;
  if (isFile(value)) return 1;
  return Object.values(value).reduce<number>((n, v) => n + countFiles(v, depth + 1), 0);
}
