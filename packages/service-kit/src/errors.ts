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
  /**
   * A dependency the service needs (its database) is down for now; the answer carries
   * `extensions.retryable: true`. Raised by the subgraph server's formatError for any error marked
   * with `dependencyUnavailable` (see unavailableDependencyOf), not by resolvers.
   */
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is not available right now; try again shortly.' },
} satisfies Record<string, ErrorSpec>;

/**
 * Which dependency an error says is unavailable, or undefined when it says no such thing. The
 * contract is one property, `dependencyUnavailable: '<name>'`, on the error or on one it wraps
 * (`cause`, a GraphQLError's `originalError`): @cityassist/db's DatabaseUnavailableError has
 * `'database'`; a cache or a queue can do the same without service-kit knowing it.
 */
export function unavailableDependencyOf(err: unknown): string | undefined {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 6; depth++) {
    const name = (e as { dependencyUnavailable?: unknown }).dependencyUnavailable;
    if (typeof name === 'string' && name) return name;
    const next = e as { originalError?: unknown; cause?: unknown };
    e = next.originalError ?? next.cause;
  }
  return undefined;
}
