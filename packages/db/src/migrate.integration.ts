import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createTestDatabase, migrate, openDatabase, type Database } from './index.ts';

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(dir, name), sql);
  return dir;
}

function suite(open: () => Promise<(Database & AsyncDisposable) | undefined>) {
  return () => {
    it('applies each migration once, however often it runs', async (t) => {
      await using db = await open();
      if (!db) return t.skip('no Postgres on this machine');
      const dir = await migrationsDir({
        '001-create.sql': 'create table demo.thing (id int primary key);',
        '002-seed.sql': 'insert into demo.thing values (1);',
      });
      assert.deepEqual(await migrate(db, { dir, schema: 'demo' }), ['001-create.sql', '002-seed.sql']);
      assert.deepEqual(await migrate(db, { dir, schema: 'demo' }), []);
      assert.deepEqual(await db.query('select id from demo.thing'), [{ id: 1 }]);
    });

    it('EXPECTED FAILURE - a migration edited after it ran stops the start', async (t) => {
      await using db = await open();
      if (!db) return t.skip('no Postgres on this machine');
      const dir = await migrationsDir({ '001-create.sql': 'create table demo.thing (id int);' });
      await migrate(db, { dir, schema: 'demo' });
      await writeFile(path.join(dir, '001-create.sql'), 'create table demo.thing (id bigint);');
      await assert.rejects(migrate(db, { dir, schema: 'demo' }), /changed after it was applied/);
    });

    it('rolls a failed migration back whole', async (t) => {
      await using db = await open();
      if (!db) return t.skip('no Postgres on this machine');
      const dir = await migrationsDir({
        '001-create.sql': 'create table demo.ok (id int);',
        '002-broken.sql': 'create table demo.half (id int); select * from nowhere;',
      });
      await assert.rejects(migrate(db, { dir, schema: 'demo' }));
      const tables = await db.query<{ n: number }>(
        "select count(*)::int as n from information_schema.tables where table_schema = 'demo'",
      );
      assert.equal(tables[0]?.n, 0);
    });
  };
}

const disposable = (db: Database, after?: () => Promise<void>): Database & AsyncDisposable =>
  Object.assign(db, {
    async [Symbol.asyncDispose]() {
      await db.close();
      await after?.();
    },
  });

describe(
  'migrate on PGlite',
  suite(async () => disposable(await openDatabase({ dataDir: 'memory://' }))),
);

describe(
  'migrate on Postgres',
  suite(async () => {
    const pgdb = await createTestDatabase();
    if (!pgdb) return undefined;
    return disposable(await openDatabase({ url: pgdb.url }), async () => pgdb[Symbol.asyncDispose]());
  }),
);
