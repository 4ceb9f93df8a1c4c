import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { migrate, onEachDatabase, openDatabase } from '@cityassist/db';
import { FeatureStore, parseSnapshot } from './feature-store.ts';

const MIGRATIONS = path.join(import.meta.dirname, '../../../migrations');

describe('parseSnapshot', () => {
  it('reads features by name, empty cells as missing', () => {
    const rows = parseSnapshot('zone_id,as_of,rain_1h_mm,flooded_fraction\nz1,2015-03-15T06:00:00Z,12.5,\n');
    assert.deepEqual(rows, [
      {
        zone_id: 'z1',
        as_of: '2015-03-15T06:00:00.000Z',
        features: { rain_1h_mm: 12.5, flooded_fraction: null },
      },
    ]);
  });

  for (const [what, text, message] of [
    ['a wrong header', 'id,time,x\n', /header/],
    ['a short row', 'zone_id,as_of,x\nz1,2015-01-01T00:00:00Z\n', /cells/],
    ['an unparseable timestamp', 'zone_id,as_of,x\nz1,yesterday,1\n', /as_of/],
    ['text where a number belongs', 'zone_id,as_of,x\nz1,2015-01-01T00:00:00Z,lots\n', /x is not a number/],
  ] as const) {
    it(`EXPECTED FAILURE - ${what} is refused with the line`, () => {
      assert.throws(() => parseSnapshot(text, 'f.csv'), message);
    });
  }
});

onEachDatabase((label, open) => {
  describe(`FeatureStore on ${label}`, () => {
    it('loads a snapshot once and serves the newest row per zone', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      const db = await openDatabase(cfg);
      try {
        await migrate(db, { dir: MIGRATIONS, schema: 'predictions' });
        const store = new FeatureStore(db);
        const dir = await mkdtemp(path.join(tmpdir(), 'features-'));
        const file = path.join(dir, 'snap.csv');
        await writeFile(
          file,
          'zone_id,as_of,rain_1h_mm\nz1,2015-03-15T06:00:00Z,1\nz1,2015-03-15T07:00:00Z,2\nz2,2015-03-15T06:00:00Z,\n',
        );
        assert.deepEqual(await store.loadSnapshot(file), { loaded: true, rows: 3 });
        assert.deepEqual(await store.loadSnapshot(file), { loaded: false, rows: 3 });
        const latest = await store.latest(['z1', 'z2', 'z3']);
        assert.equal(latest.get('z1')?.values['rain_1h_mm'], 2);
        assert.equal(latest.get('z1')?.asOf.toISOString(), '2015-03-15T07:00:00.000Z');
        assert.equal(latest.get('z2')?.values['rain_1h_mm'], null);
        assert.equal(latest.has('z3'), false);
        const earlier = await store.latest(['z1'], new Date('2015-03-15T06:30:00Z'));
        assert.equal(earlier.get('z1')?.values['rain_1h_mm'], 1);
      } finally {
        await db.close();
      }
    });
  });
});
