/**
 * A database outage, for real: a Postgres of the test's own (never the machine's shared one) is
 * stopped under a running Database and a running subgraph, then started again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createMetrics,
  GATEWAY_SECRET_HEADER,
  startSubgraphServer,
  type RunningServer,
} from '@cityassist/service-kit';
import { GraphQLInt, GraphQLObjectType, GraphQLSchema } from 'graphql';
import { pino } from 'pino';
import { openDatabase, type Database } from './database.ts';
import { postgresBinDir, startOwnPostgres, type OwnPostgres } from './own-postgres.ts';
import { DatabaseUnavailableError } from './unavailable.ts';

// Off CI, a machine without Postgres binaries skips; on CI their absence is a failure.
const skip = !postgresBinDir() && !process.env['CI'] ? 'no Postgres binaries (initdb, pg_ctl) here' : false;

describe('a Postgres outage under a Database', { skip }, () => {
  let pg: OwnPostgres;
  let db: Database;
  before(async () => {
    pg = await startOwnPostgres();
    db = await openDatabase({ url: pg.url, maxConnections: 3 });
  });
  after(async () => {
    await db?.close();
    await pg?.[Symbol.asyncDispose]();
  });

  it('EXPECTED FAILURE - rejects with DatabaseUnavailableError while it is down, and answers again once it is back, no reopening', async () => {
    assert.deepEqual(await db.query('select 1 as n'), [{ n: 1 }]);
    // A query in flight when the server stops (fast: 57P01 admin_shutdown).
    const inFlight = db.query('select pg_sleep(10)').catch((err: unknown) => err);
    await sleep(200);
    await pg.stop();
    const cut = await inFlight;
    assert.ok(cut instanceof DatabaseUnavailableError, String(cut));
    assert.equal((cut.cause as { code?: string }).code, '57P01');
    // New connections are refused while it is down: queries, transactions and the ping.
    for (const attempt of [
      () => db.query('select 1'),
      () => db.exec('select 1'),
      () => db.transaction((tx) => tx.query('select 1')),
      () => db.ping(),
    ]) {
      await assert.rejects(attempt(), (err: unknown) => {
        assert.ok(err instanceof DatabaseUnavailableError, String(err));
        assert.match(err.message, /ECONNREFUSED/);
        return true;
      });
    }
    await pg.start();
    assert.deepEqual(await db.query('select 2 as n'), [{ n: 2 }]);
    assert.deepEqual(await db.transaction((tx) => tx.query('select 3 as n')), [{ n: 3 }]);
  });

  it('EXPECTED FAILURE - a transaction in flight when the server stops fails, and does not take the process down', async () => {
    // Its client is checked out of the pool, which listens for errors on idle clients only, and it
    // sits between two queries (the service awaits something else) when the server goes.
    const inFlight = db
      .transaction(async (tx) => {
        await tx.query('select 1');
        await sleep(1000);
        return tx.query('select 2');
      })
      .catch((err: unknown) => err);
    await sleep(200);
    await pg.stop();
    assert.ok((await inFlight) instanceof DatabaseUnavailableError);
    // Were the client's 'error' unheard, the process would be gone before this line.
    await sleep(200);
    await pg.start();
    assert.deepEqual(await db.transaction((tx) => tx.query('select 4 as n')), [{ n: 4 }]);
  });

  it('EXPECTED FAILURE - a crash (immediate stop) drops the connections in flight as unavailable too', async () => {
    const inFlight = db.query('select pg_sleep(10)').catch((err: unknown) => err);
    await sleep(200);
    await pg.stop({ mode: 'immediate' });
    assert.ok((await inFlight) instanceof DatabaseUnavailableError);
    await pg.start();
    assert.deepEqual(await db.query('select 4 as n'), [{ n: 4 }]);
  });

  it('EXPECTED FAILURE - a wrong query stays what it is: not unavailable', async () => {
    await assert.rejects(db.query('select * from no_such_table'), (err: unknown) => {
      assert.ok(!(err instanceof DatabaseUnavailableError));
      assert.equal((err as { code?: string }).code, '42P01');
      return true;
    });
  });
});

describe('a Postgres outage under a subgraph', { skip }, () => {
  const secret = 'a-test-secret-that-is-32-chars-long!';
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info', messageKey: 'msg', formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  let pg: OwnPostgres;
  let db: Database;
  let server: RunningServer;
  const base = () => server.url.replace(/\/graphql$/, '');
  const gql = async (query: string) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [GATEWAY_SECRET_HEADER]: secret },
      body: JSON.stringify({ query }),
    });
    return {
      status: res.status,
      body: (await res.json()) as { data?: unknown; errors?: { extensions?: object }[] },
    };
  };
  const ready = async () => {
    const res = await fetch(`${base()}/ready`);
    return { status: res.status, body: (await res.json()) as unknown };
  };

  before(async () => {
    pg = await startOwnPostgres();
    db = await openDatabase({ url: pg.url });
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          answer: {
            type: GraphQLInt,
            resolve: async () => (await db.query<{ n: number }>('select 42 as n'))[0]!.n,
          },
        },
      }),
    });
    server = await startSubgraphServer({
      name: 'outage',
      schema,
      host: '127.0.0.1',
      port: 0,
      logger,
      gatewaySecret: secret,
      metrics: createMetrics('outage'),
      readiness: { database: () => db.ping() },
      context: (ctx) => ctx,
    });
  });
  after(async () => {
    await server?.close();
    await db?.close();
    await pg?.[Symbol.asyncDispose]();
  });

  it('EXPECTED FAILURE - answers SERVICE_UNAVAILABLE, retryable, and /ready 503 while it is down; the same query and /ready succeed once it is back, no restart', async () => {
    assert.deepEqual((await gql('{ answer }')).body, { data: { answer: 42 } });
    assert.equal((await ready()).status, 200);

    await pg.stop();
    for (let i = 0; i < 3; i++) {
      const { status, body } = await gql('{ answer }');
      assert.equal(status, 200);
      assert.deepEqual(body, {
        data: { answer: null },
        errors: [
          {
            message: 'The service is not available right now; try again shortly.',
            path: ['answer'],
            extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
          },
        ],
      });
    }
    const down = await ready();
    assert.equal(down.status, 503);
    assert.deepEqual(down.body, { ready: false, checks: { database: false } });
    // One warn for the burst, no error line per request.
    const warns = lines.filter((l) => l['level'] === 'warn' && l['dependency'] === 'database');
    assert.equal(warns.length, 1, JSON.stringify(lines, null, 1));
    assert.equal(lines.filter((l) => l['level'] === 'error').length, 0, JSON.stringify(lines, null, 1));

    await pg.start();
    assert.deepEqual((await gql('{ answer }')).body, { data: { answer: 42 } });
    assert.deepEqual(await ready(), { status: 200, body: { ready: true, checks: { database: true } } });
  });
});
