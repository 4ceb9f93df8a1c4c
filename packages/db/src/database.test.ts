import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from './database.ts';

describe('embedded PGlite', () => {
  // Postgres's 128 MB buffer pool per embedded service was most of the stack's memory (issue 20).
  it('runs with the small buffer pool, in a data folder and in memory', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-db-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    for (const dataDir of [dir, 'memory://']) {
      const db = await openDatabase({ dataDir });
      try {
        const [buffers] = await db.query<{ shared_buffers: string }>('show shared_buffers');
        assert.equal(buffers?.shared_buffers, '16MB', dataDir);
        // And it still does real work: a transaction that reads its own write.
        const n = await db.transaction(async (tx) => {
          await tx.exec('create table t (a int); insert into t select generate_series(1, 1000)');
          return (await tx.query<{ n: number }>('select count(*)::int as n from t'))[0]?.n;
        });
        assert.equal(n, 1000);
      } finally {
        await db.close();
      }
    }
  });
});
