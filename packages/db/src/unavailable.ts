/**
 * Telling "the database is down for now" apart from "this query is wrong". The first is worth a
 * retry (the pool reconnects by itself once the server is back); the second is not. Services turn a
 * DatabaseUnavailableError into SERVICE_UNAVAILABLE with `extensions.retryable: true` (service-kit's
 * formatError recognises it by its `dependencyUnavailable` property, so it needs no import of this
 * package).
 */

/** Socket errors of a connection that cannot be made or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  // A DNS server that does not answer right now (ENOTFOUND, a name that does not exist, is a
  // wrong setting rather than an outage).
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away or cannot take the session: admin_shutdown (57P01,
 * `pg_ctl stop -m fast`, a failover), crash_shutdown (57P02), cannot_connect_now (57P03, starting
 * up or shutting down) and too_many_connections (53300). Class 08 (connection exception) is
 * matched by its prefix.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * What node-postgres and pg-pool say when a connection ends, times out or is gone, and what PGlite
 * says once it is closed (only during a shutdown: an embedded database has no outage of its own; a
 * WASM crash is not retryable on this process and stays an internal error).
 */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/, // unexpectedly, or due to connection timeout
  /^timeout exceeded when trying to connect$/, // pool checkout over connectionTimeoutMillis
  /is not queryable$/, // a client that lost its connection, or was closed
  /^Cannot use a pool after calling end on the pool$/,
  /^PGlite is clos(ed|ing)$/,
];

/**
 * Whether an error (or one it wraps: `cause`, an AggregateError's `errors`, as Node's connect with
 * several addresses gives) says the database is unavailable rather than that the query failed.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return someInChain(err, (e) => {
    if (e instanceof DatabaseUnavailableError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
      // Class 08 is a five-character SQLSTATE; Node's own codes (ERR_…) never look like it.
      if (/^08[0-9A-Z]{3}$/.test(code)) return true;
    }
    const message = (e as { message?: unknown }).message;
    return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(message));
  });
}

function someInChain(err: unknown, test: (e: object) => boolean, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 5) return false;
  if (test(err)) return true;
  if (err instanceof AggregateError && err.errors.some((e) => someInChain(e, test, depth + 1))) return true;
  return someInChain((err as { cause?: unknown }).cause, test, depth + 1);
}

/**
 * The database did not answer (down, restarting, out of connections, unreachable). `cause` is the
 * driver's error, for the log; a client sees SERVICE_UNAVAILABLE and may retry. A write whose
 * connection dropped during COMMIT may have been applied: mutations that must not run twice carry
 * an idempotency key (reports' Idempotency-Key).
 */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  readonly code = 'DATABASE_UNAVAILABLE';
  /** The contract with service-kit's formatError: which dependency is unavailable. */
  readonly dependencyUnavailable = 'database';

  constructor(cause: unknown) {
    const detail = cause instanceof Error ? cause.message || describeCode(cause) : String(cause);
    super(`The database is not available: ${detail}`, { cause });
  }
}

function describeCode(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err.name;
}

/** The error as callers should see it: a DatabaseUnavailableError when the database is down. */
export function classifyDatabaseError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError) return err;
  return isDatabaseUnavailable(err) ? new DatabaseUnavailableError(err) : err;
}
