import { GraphQLError } from 'graphql';

const UPSTREAM_CODES = new Set(['SUBREQUEST_HTTP_ERROR', 'DOWNSTREAM_SERVICE_ERROR']);
/** graphql-js's messages for a variable value that cannot be coerced to its type. */
const VARIABLE_COERCION = /^Variable "\$\w+" (got invalid value|of required type|of non-null type)/;

/**
 * What a client sees of an error. A subgraph that can't be reached becomes SUBGRAPH_UNAVAILABLE
 * naming the subgraph, without the runtime's copy of the upstream request; an error a subgraph
 * raised on purpose (it has a code) passes unchanged; anything else is masked, so no stack, SQL or
 * internal address leaks.
 */
export function maskError(error: unknown, message: string): Error {
  if (!(error instanceof GraphQLError)) {
    return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }
  const code = error.extensions['code'];
  const serviceName = error.extensions['serviceName'];
  if (typeof code === 'string' && UPSTREAM_CODES.has(code) && typeof serviceName === 'string') {
    return new GraphQLError(`The ${serviceName} subgraph is unavailable; the fields it serves are null.`, {
      nodes: error.nodes,
      path: error.path,
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName },
    });
  }
  // graphql-armor's depth, alias and token limits carry no code of their own.
  if (!error.extensions['code'] && /limit of \d+ exceeded/.test(error.message)) {
    return new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
      nodes: error.nodes,
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
  }
  // A variable that does not fit its type carries no code from graphql-js; Apollo Server, which the
  // subgraphs run, calls it BAD_USER_INPUT, and so does the gateway (a client sees one code).
  if (!error.extensions['code'] && VARIABLE_COERCION.test(error.message)) {
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
    });
  }
  const original = error.originalError;
  if (original && !(original instanceof GraphQLError)) {
    return new GraphQLError(message, {
      nodes: error.nodes,
      path: error.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  }
  return error;
}
