import { GraphQLError } from 'graphql';
import type { GatewayErrorCode } from './errors.ts';
import { SCHEMA_HINT } from './plugins/use-hidden-schema-hints.ts';

/** What the runtime's HTTP transport and upstream timeout call a subgraph that failed. */
const UPSTREAM_CODES = new Set(['SUBREQUEST_HTTP_ERROR', 'DOWNSTREAM_SERVICE_ERROR', 'GATEWAY_TIMEOUT']);
/** graphql-js's messages for a variable value that cannot be coerced to its type. */
const VARIABLE_COERCION = /^Variable "\$\w+" (got invalid value|of required type|of non-null type)/;
/** graphql-armor's depth, alias and token limits (no code of their own). */
const ARMOR_LIMIT = /limit of \d+ exceeded/;
/** Extensions that describe the gateway's insides: the upstream request and response, the JS error. */
const INTERNAL_EXTENSIONS = ['request', 'response', 'originalError', 'stack', 'exception'] as const;

type MutableError = GraphQLError & { message: string; extensions: Record<string, unknown> };

/**
 * What a client sees of an error, in one place. A GraphQL error keeps its identity and is corrected
 * in place: given the catalogue's code where graphql-js or graphql-armor gave none, and in
 * production stripped of schema hints ("Did you mean") and of the upstream request, response and
 * JS error the runtime attaches (development keeps them, to debug with). In place, because the
 * runtime logs every error the mask replaces at error level, and these are answers, not faults.
 * Anything that is not a GraphQL error is replaced by INTERNAL_SERVER_ERROR (and so logged), so no
 * stack, SQL or address leaks.
 */
export function createMaskError(opts: { production: boolean }) {
  return function maskError(error: unknown, message: string): Error {
    if (!(error instanceof GraphQLError)) return coded('INTERNAL_SERVER_ERROR', message);
    const original = error.originalError;
    if (original && !(original instanceof GraphQLError) && !error.extensions['code']) {
      return new GraphQLError(message, {
        nodes: error.nodes,
        path: error.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies GatewayErrorCode },
      });
    }
    const e = error as MutableError;
    // Errors are shared objects inside the runtime (one subgraph error can stand for many paths):
    // make extensions our own before changing them.
    e.extensions = { ...e.extensions };
    const code = e.extensions['code'];
    if (typeof code === 'string' && UPSTREAM_CODES.has(code)) {
      const service = e.extensions['serviceName'];
      e.message = `The ${typeof service === 'string' ? service : 'upstream'} subgraph is unavailable; the fields it serves are null.`;
      e.extensions['code'] = 'SUBGRAPH_UNAVAILABLE' satisfies GatewayErrorCode;
      e.extensions['reason'] = code === 'GATEWAY_TIMEOUT' ? 'timeout' : 'unreachable';
    } else if (!code && ARMOR_LIMIT.test(e.message)) {
      e.message = e.message.replace(/^Syntax Error: /, '');
      e.extensions['code'] = 'QUERY_TOO_COMPLEX' satisfies GatewayErrorCode;
      e.extensions['http'] = { status: 400 };
    } else if (!code && VARIABLE_COERCION.test(e.message)) {
      // Apollo Server, which the subgraphs run, calls this BAD_USER_INPUT; so does the gateway.
      e.extensions['code'] = 'BAD_USER_INPUT' satisfies GatewayErrorCode;
      e.extensions['http'] = { status: 400 };
    }
    if (opts.production) {
      e.message = e.message.replace(SCHEMA_HINT, '');
      for (const key of INTERNAL_EXTENSIONS) delete e.extensions[key];
    }
    return e;
  };
}

const coded = (code: GatewayErrorCode, message: string) =>
  new GraphQLError(message, { extensions: { code } });
