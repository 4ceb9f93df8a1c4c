import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '@cityassist/db';
import { migrateFeatureStore } from './index.ts';
import { OnlineStore } from './online-store.ts';

describe('OnlineStore.latest', () => {
  let db: Database;
  let store: OnlineStore;
  before(async () => {
    db = await openDatabase({ dataDir: 'memory://' });
    await migrateFeatureStore(db);
    store = new OnlineStore(db);
    const row = (entity_id: string, hour: number, v: number) => ({
      entity_id,
      as_of: new Date(Date.UTC(2026, 0, 1, hour)).toISOString(),
      features: { v },
    });
    await store.write('view', 'dv1', [row('a', 1, 1), row('a', 3, 3), row('a', 2, 2), row('b', 1, 10)]);
    await store.write('other', 'dv1', [row('a', 9, 99)]);
  });
  after(() => db.close());

  it("answers each entity's newest row of the view, and nothing for an entity without rows", async () => {
    const rows = await store.latest('view', ['a', 'b', 'nobody', 'a']);
    assert.deepEqual([...rows].map(([id, r]) => [id, r.values['v'], r.asOf.toISOString()]).sort(), [
      ['a', 3, '2026-01-01T03:00:00.000Z'],
      ['b', 10, '2026-01-01T01:00:00.000Z'],
    ]);
  });

  it('as of a time: the newest row at or before it, never a later one', async () => {
    const at2 = await store.latest('view', ['a', 'b'], new Date(Date.UTC(2026, 0, 1, 2)));
    assert.equal(at2.get('a')?.values['v'], 2);
    assert.equal(at2.get('b')?.values['v'], 10);
    const before = await store.latest('view', ['a'], new Date(Date.UTC(2026, 0, 1, 0, 59)));
    assert.equal(before.size, 0);
  });
});
