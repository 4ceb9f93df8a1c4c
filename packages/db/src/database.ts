import { mkdir } from 'node:fs/promises';
import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import pg from 'pg';
import { classifyDatabaseError } from './unavailable.ts';

/** What repositories need from a connection or a transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://…`: use that server. Unset: embedded PGlite. */
  url?: string | undefined;
  /** PGlite data folder; `memory://` keeps nothing. Ignored with `url`. */
  dataDir?: string | undefined;
  /** Pool size for Postgres. Default 10. */
  maxConnections?: number | undefined;
}

/**
 * Opens Postgres when a URL is given, PGlite (Postgres compiled to WASM) otherwise, behind one
 * interface, so the same migrations and SQL run in `npm start`, the tests and production. Every
 * operation that fails because the database is not there (down, restarting, unreachable, out of
 * connections) rejects with a DatabaseUnavailableError; the pool reconnects by itself once it is
 * back, so no restart is needed.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url
    ? openPostgres(options.url, options.maxConnections ?? 10)
    : openPglite(options.dataDir ?? 'memory://');
}

/**
 * Postgres's server defaults are sized for a machine of its own (shared_buffers 128 MB); each
 * embedded service pays them in WASM memory it never gives back. PGlite's files are in the OS page
 * cache anyway, so a small buffer pool costs little: a bare instance goes from 523 to 317 MiB
 * resident with 16 MB (measured on a file-backed folder, docs/performance.md). Tests clone a
 * template, which keeps the settings it was created with.
 */
const EMBEDDED_SETTINGS = ['shared_buffers = 16MB', 'temp_buffers = 2MB', 'wal_buffers = 1MB'];

/**
 * A pristine in-memory PGlite that test processes copy instead of starting a new one: starting
 * PGlite (initdb in WASM) takes ~1.5 s, a clone of a pristine instance ~0.4 s, and the copy is
 * indistinguishable from a fresh database. Off unless a test process asks (see testing.ts), since
 * the template costs memory a service would never get back.
 */
let template: Promise<PGlite> | undefined;

/** Makes every later `memory://` PGlite of this process a clone of one pristine instance. */
export function usePgliteTemplate(): void {
  template ??= PGlite.create('memory://', { postgresqlconf: EMBEDDED_SETTINGS });
}

async function createPglite(dataDir: string): Promise<PGliteInterface> {
  if (dataDir === 'memory://' && template) return (await template).clone();
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  return PGlite.create(dataDir, { postgresqlconf: EMBEDDED_SETTINGS });
}

/** Runs a database call, turning "the database is not there" into a DatabaseUnavailableError. */
async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw classifyDatabaseError(err);
  }
}

async function openPglite(dataDir: string): Promise<Database> {
  const db = await createPglite(dataDir);
  const wrap = (q: Pick<PGliteInterface, 'query' | 'exec'>): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      return (await guarded(() => q.query<T>(sql, params))).rows;
    },
    async exec(sql: string) {
      await guarded(() => q.exec(sql));
    },
  });
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction: (fn) => guarded(() => db.transaction((tx) => fn(wrap(tx)))),
    async ping() {
      await guarded(() => db.query('select 1'));
    },
    async close() {
      await db.close();
    },
  };
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // Nor a checked-out one: pg-pool takes its own error listener off a client while it is lent out,
  // and a connection reset then (a Postgres restart or crash, seen in the fault suite) is an 'error'
  // event nobody hears, which ends the process. The failure reaches the query's caller anyway.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const wrap = (q: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      return (await guarded(() => q.query(sql, params))).rows as T[];
    },
    async exec(sql: string) {
      await guarded(() => q.query(sql));
    },
  });
  const db: Database = {
    kind: 'postgres',
    ...wrap(pool),
    async transaction(fn) {
      const client = await guarded(() => pool.connect());
      let broken: unknown;
      // A client whose connection broke mid-transaction is not lent out again (see 'connect' above).
      const onError = (err: Error) => (broken = err);
      client.on('error', onError);
      try {
        await guarded(() => client.query('begin'));
        const result = await fn(wrap(client));
        await guarded(() => client.query('commit'));
        return result;
      } catch (err) {
        await client.query('rollback').catch((rollbackErr: unknown) => (broken = rollbackErr));
        throw classifyDatabaseError(err);
      } finally {
        // A connection that failed its rollback is not handed to the next caller: the pool drops it.
        client.off('error', onError);
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    async ping() {
      await guarded(() => pool.query('select 1'));
    },
    async close() {
      await pool.end();
    },
  };
  await db.ping();
  return db;
}
