import { createHash } from 'node:crypto';
import type { Database, Queryable } from '@cityassist/db';
import type { Logger, startSubgraphServer } from '@cityassist/service-kit';
import type { ReportsContext } from '../context.ts';
import { errors } from '../errors.ts';
import type { CitizenReport } from './report.type.ts';

/**
 * Idempotency keys for the report-creating mutations, after draft-ietf-httpapi-idempotency-key-header
 * (https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/, -07): a client
 * sends one key per logical request and the same key on each retry; the first request with a key
 * does the work, a repeat with the same request gets the first's result, a repeat with another
 * request is refused (the draft's "Error Scenarios": 422). Keys are kept per caller for 24 hours
 * (the draft's "Idempotency Key Validity and Expiry").
 */

/** The request header (lower-case, as Node and Apollo's HeaderMap spell it). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** How long a key holds its first result; older keys count for nothing and are purged. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;
/** How often expired keys are deleted (and once at start). */
export const IDEMPOTENCY_PURGE_INTERVAL_MS = 60 * 60 * 1000;
/** Longest key, in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export type IdempotentOperation = 'createReport' | 'submitReport';

/** A key and whose it is. */
export interface IdempotencyScope {
  /** The hashed principal id the gateway forwarded. */
  principal: string;
  key: string;
}

/** A keyed request: its scope, and the fingerprint a repeat must match. */
export interface IdempotentRequest extends IdempotencyScope {
  operation: IdempotentOperation;
  /** SHA-256 (hex) of the canonical request. */
  hash: string;
}

/** What the first request with a key left. */
export interface FirstUse {
  operation: IdempotentOperation;
  hash: string;
  reportId: string;
}

// RFC 8941 §3.3.3 (sf-string, which the draft's "Syntax" section makes the header's value): the
// characters a String may hold are printable ASCII, %x20-7E. The input field takes the same.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function badKey(detail: string, argument: string) {
  return errors.BAD_USER_INPUT(`${argument}: ${detail}`, { argument });
}

/** A key as given in `input.idempotencyKey`: 1–255 printable ASCII characters, or BAD_USER_INPUT. */
export function checkIdempotencyKey(key: string, argument: string): string {
  if (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw badKey(`an idempotency key is 1–${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, argument);
  }
  if (!PRINTABLE_ASCII.test(key)) {
    throw badKey('an idempotency key is printable ASCII (space to ~) only', argument);
  }
  return key;
}

/**
 * The key an `Idempotency-Key` header carries. The draft's "Syntax" section makes the value an
 * RFC 8941 Item whose bare item is a String: `Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"`,
 * with `\"` and `\\` the only escapes (RFC 8941 §4.2.5). A bare value without quotes, as many clients
 * send, is taken as the key itself. Parameters after the string (none is defined) and a second
 * header (which arrives joined with a comma) are refused.
 */
export function parseIdempotencyKeyHeader(value: string): string {
  const argument = 'Idempotency-Key';
  if (!value.startsWith('"')) return checkIdempotencyKey(value, argument);
  let key = '';
  for (let i = 1; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      const next = value[++i];
      if (next !== '"' && next !== '\\') {
        throw badKey('only \\" and \\\\ may be escaped in the string', argument);
      }
      key += next;
    } else if (c === '"') {
      if (i !== value.length - 1) throw badKey('one string, with nothing after its closing quote', argument);
      return checkIdempotencyKey(key, argument);
    } else {
      key += c;
    }
  }
  throw badKey('the string has no closing quote', argument);
}

/**
 * The caller's key for this request, from the header or `input.idempotencyKey` (both: they must be
 * the same key), or undefined without one. A key needs a caller the gateway authenticated, since keys
 * are kept per caller; through the gateway an anonymous caller cannot reach these mutations at all.
 */
export function idempotencyScopeOf(
  principal: string | undefined,
  header: string | undefined,
  field: string | null | undefined,
): IdempotencyScope | undefined {
  const fromHeader = header === undefined ? undefined : parseIdempotencyKeyHeader(header);
  const fromField = field == null ? undefined : checkIdempotencyKey(field, 'input.idempotencyKey');
  if (fromHeader !== undefined && fromField !== undefined && fromHeader !== fromField) {
    throw errors.BAD_USER_INPUT('the Idempotency-Key header and input.idempotencyKey name different keys', {
      argument: 'input.idempotencyKey',
    });
  }
  const key = fromHeader ?? fromField;
  if (key === undefined) return undefined;
  if (!principal) {
    throw errors.BAD_USER_INPUT(
      'an idempotency key needs an authenticated caller: keys are kept per caller',
      {
        argument: fromHeader === undefined ? 'input.idempotencyKey' : 'Idempotency-Key',
      },
    );
  }
  return { principal, key };
}

export const sha256Hex = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The request's fingerprint (the draft's "Idempotency Fingerprint"): SHA-256 of the operation and
 * its normalised input as a JSON array in a fixed order, so field order, surrounding whitespace
 * in the description and the key itself do not count. `parts` are scalars (a photo as its hash).
 */
export function idempotentRequest(
  scope: IdempotencyScope,
  operation: IdempotentOperation,
  parts: (string | number | null)[],
): IdempotentRequest {
  return { ...scope, operation, hash: sha256Hex(JSON.stringify([operation, ...parts])) };
}

/**
 * Claims the key inside the transaction that writes the report: resolves undefined when the key is
 * now this report's (new, or older than the TTL and taken over), else what its first use left. On
 * Postgres a second transaction claiming the same key waits here until the first commits (then it
 * sees the first's row) or rolls back (then it claims the key itself).
 */
export async function claimIdempotencyKey(
  tx: Queryable,
  request: IdempotentRequest,
  reportId: string,
): Promise<FirstUse | undefined> {
  const claimed = await tx.query<{ report_id: string }>(
    `insert into reports.idempotency_key as k (principal, key, operation, request_hash, report_id)
     values ($1, $2, $3, $4, $5)
     on conflict (principal, key) do update
       set operation = excluded.operation, request_hash = excluded.request_hash,
           report_id = excluded.report_id, created_at = now()
       where k.created_at < now() - make_interval(hours => $6)
     returning report_id`,
    [request.principal, request.key, request.operation, request.hash, reportId, IDEMPOTENCY_KEY_TTL_HOURS],
  );
  if (claimed.length) return undefined;
  const first = await readKey(tx, request, false);
  // The row that blocked the insert is committed and younger than the TTL, so it is there.
  if (!first) throw new Error('idempotency key conflict without a row');
  return first;
}

async function readKey(
  db: Queryable,
  scope: IdempotencyScope,
  freshOnly: boolean,
): Promise<FirstUse | undefined> {
  const rows = await db.query<{ operation: IdempotentOperation; request_hash: string; report_id: string }>(
    `select operation, request_hash, report_id from reports.idempotency_key
      where principal = $1 and key = $2 and ($3::boolean is false or created_at >= now() - make_interval(hours => $4))`,
    [scope.principal, scope.key, freshOnly, IDEMPOTENCY_KEY_TTL_HOURS],
  );
  const row = rows[0];
  return row && { operation: row.operation, hash: row.request_hash, reportId: row.report_id };
}

/**
 * The first result for a repeat: the first request's report as it is now (it may have moved on in
 * its workflow), or IDEMPOTENCY_KEY_REUSED when the key was first used for another request.
 */
export async function replayFirst(
  reports: { byId(id: string): Promise<CitizenReport | undefined> },
  request: IdempotentRequest,
  first: FirstUse,
  logger: Logger,
): Promise<CitizenReport> {
  if (first.hash !== request.hash) {
    logger.info({ operation: request.operation, firstOperation: first.operation }, 'idempotency key reused');
    throw errors.IDEMPOTENCY_KEY_REUSED(
      'this idempotency key was already used for a different request; send a new key for a new request',
    );
  }
  const report = await reports.byId(first.reportId);
  // The key row cascades with its report, so it cannot outlive it.
  if (!report) throw new Error(`idempotency key names a missing report ${first.reportId}`);
  logger.info(
    { reportId: report.id, operation: request.operation },
    'repeated request answered with its first report',
  );
  return report;
}

/** The keys' table beyond the report transactions: the read before costly work, the purge, and in-process queueing. */
export class IdempotencyKeys {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly db: Database) {}

  /** What the key's first use left, when it is younger than the TTL. */
  lookup(scope: IdempotencyScope): Promise<FirstUse | undefined> {
    return readKey(this.db, scope, true);
  }

  /**
   * Runs `fn` after every earlier request of this replica with the same caller and key has
   * finished, so a burst of retries does the work (a photo stored, the model asked) once and the
   * others find its row. Only an economy: the database's primary key is what makes one report.
   */
  async serialise<T>(scope: IdempotencyScope, fn: () => Promise<T>): Promise<T> {
    const id = `${scope.principal}\n${scope.key}`;
    const before = this.inFlight.get(id);
    const run = (before ?? Promise.resolve()).then(fn);
    const done = run.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(id, done);
    try {
      return await run;
    } finally {
      if (this.inFlight.get(id) === done) this.inFlight.delete(id);
    }
  }

  /** Deletes keys older than the TTL; resolves how many. */
  async purgeExpired(): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `with gone as (
         delete from reports.idempotency_key where created_at < now() - make_interval(hours => $1) returning 1
       ) select count(*)::int as n from gone`,
      [IDEMPOTENCY_KEY_TTL_HOURS],
    );
    return rows[0]?.n ?? 0;
  }

  /** Purges now and then every `intervalMs`; resolves a function that stops it. */
  async startPurging(
    logger: Logger,
    intervalMs = IDEMPOTENCY_PURGE_INTERVAL_MS,
  ): Promise<() => Promise<void>> {
    const purge = async () => {
      const n = await this.purgeExpired();
      if (n) logger.info({ purged: n }, 'expired idempotency keys deleted');
    };
    await purge();
    const timer = setInterval(() => {
      purge().catch((err: unknown) => logger.warn({ err }, 'could not purge expired idempotency keys'));
    }, intervalMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      return Promise.resolve();
    };
  }
}

type ReportsPlugin = NonNullable<
  Parameters<typeof startSubgraphServer<ReportsContext>>[0]['plugins']
>[number];

/**
 * Copies the request's `Idempotency-Key` header (the gateway forwards the client's unchanged) into
 * the context before any resolver runs; service-kit's context builder does not see the request.
 */
export function idempotencyKeyHeaderPlugin(): ReportsPlugin {
  return {
    requestDidStart({ request, contextValue }) {
      contextValue.idempotencyKeyHeader = request.http?.headers.get(IDEMPOTENCY_KEY_HEADER);
      return Promise.resolve();
    },
  };
}
