import { GraphQLError } from 'graphql';

export interface ErrorSpec {
  /** HTTP status for transports that map errors to statuses (REST routes); GraphQL answers 200. */
  status: number;
  message: string;
}

/**
 * Builds a service's error catalogue: one place that lists every stable `extensions.code` the
 * service can answer with (the fastify `lib/errors.js` habit). Callers write
 * `errors.BAD_USER_INPUT('first must be between 1 and 500', { argument: 'first' })`.
 */
export function defineErrors<C extends string>(
  catalogue: Record<C, ErrorSpec>,
): Record<C, (detail?: string, extra?: Record<string, unknown>) => GraphQLError> & {
  readonly catalogue: Record<C, ErrorSpec>;
} {
  const out = {} as Record<C, (detail?: string, extra?: Record<string, unknown>) => GraphQLError>;
  for (const code of Object.keys(catalogue) as C[]) {
    const spec = catalogue[code];
    out[code] = (detail, extra) =>
      new GraphQLError(detail ?? spec.message, {
        // No `extensions.http` here: Apollo Server would turn it into the status of the whole
        // response, and a partial GraphQL answer must stay 200. REST routes map `status` themselves.
        extensions: { code, ...extra },
      });
  }
  return Object.assign(out, { catalogue });
}

/** Codes every subgraph shares; a service's catalogue spreads these into its own. */
export const commonErrors = {
  BAD_USER_INPUT: { status: 400, message: 'The input is not valid.' },
  INTERNAL_SERVER_ERROR: { status: 500, message: 'Something went wrong on our side.' },
  UNAVAILABLE: { status: 503, message: 'A dependency of this service is not available.' },
} satisfies Record<string, ErrorSpec>;
