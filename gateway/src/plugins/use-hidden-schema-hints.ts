import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError } from 'graphql';

/** graphql-js's "Did you mean …?" hints: fields, enum values and input fields by their names. */
export const SCHEMA_HINT = /\s*Did you mean [^?]*\?/g;

/**
 * In production, validation errors say what is wrong but not what exists instead: graphql-js's
 * "Did you mean" hints would let a caller map a schema whose introspection is closed. (graphql-
 * armor's block-field-suggestions misses the enum and input-field hints.) Variable coercion
 * errors, which carry the same hints, are cleaned in mask-error.ts.
 */
export function useHiddenSchemaHints(): GatewayPlugin {
  return {
    onValidate() {
      return ({ valid, result, setResult }) => {
        if (valid) return;
        setResult(
          (result as readonly GraphQLError[]).map((error) =>
            error.message.includes('Did you mean')
              ? new GraphQLError(error.message.replace(SCHEMA_HINT, ''), {
                  nodes: error.nodes,
                  source: error.source,
                  positions: error.positions,
                  path: error.path,
                  extensions: error.extensions,
                })
              : error,
          ),
        );
      };
    },
  };
}
