import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { usePgliteTemplate } from './database.ts';

/** The Postgres every development and CI machine runs (see README). */
export const TEST_POSTGRES_URL =
  process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates a throwaway database on the local Postgres for one test file and drops it afterwards, so
 * test files never see each other's rows. Resolves undefined when no Postgres answers and CI is not
 * set (a newcomer's laptop); on CI a missing Postgres is a failure, not a skip.
 */
export async function createTestDatabase(): Promise<(AsyncDisposable & { url: string }) | undefined> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    if (process.env['CI']) {
      throw new Error(`Postgres at ${TEST_POSTGRES_URL} is required on CI`, { cause: err });
    }
    return undefined;
  }
  const name = `cityassist_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async [Symbol.asyncDispose]() {
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export type TestDatabase = ({ url: string } | { dataDir: string }) & AsyncDisposable;

/**
 * Runs a test suite once on embedded PGlite and once on a throwaway database of the local Postgres:
 * the two storage back ends every service supports. `open` resolves undefined only when no Postgres
 * answers off CI (see createTestDatabase); suites skip then.
 */
export function onEachDatabase(
  suite: (label: string, open: () => Promise<TestDatabase | undefined>) => void,
): void {
  suite('PGlite', () => {
    // Suites sharing a test process (test:integration) copy one pristine PGlite instead of each
    // starting their own.
    usePgliteTemplate();
    return Promise.resolve({ dataDir: 'memory://', [Symbol.asyncDispose]: () => Promise.resolve() });
  });
  suite('Postgres', async () => {
    const db = await createTestDatabase();
    return db && { url: db.url, [Symbol.asyncDispose]: () => db[Symbol.asyncDispose]() };
  });
}
