import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { Catalog, OnlineStore } from '@cityassist/feature-store';
import { runPipeline } from '../../src/runner.ts';
import { REPO_ROOT, openTestStore, assertRedeliveryIsDuplicate } from '../../src/testing/harness.ts';
import { cityEvents } from './pipeline.ts';

const base = { trigger: 'test', requestedBy: 'test:city-events' };
const HEADER = 'event_id,kind,zone_id,started_at,ended_at,customers_affected';
const Z1 = '260960005000001';
const Z2 = '260960005000002';

const day = (d: string) => new Date(`${d}T00:00:00Z`);

onEachDatabase((label, open) => {
  describe(`city-events pipeline on ${label}`, () => {
    it('loads the committed (simulated) outage log: every zone, every day it spans', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const run = await runPipeline(store, cityEvents, {
        ...base,
        sources: cityEvents.defaultSources!.map((s) => path.join(REPO_ROOT, s)),
      });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.equal(run.rows_read, 410);
      assert.equal(run.rows_quarantined, 0);
      assert.equal(run.rows_loaded, 470 * 45, '2015-02-01 (first start) … 2015-03-17 (last end)');
      // By hand, zone …132 on the storm day 15 March: PO-00378 from 13:03 (202 customers, until the
      // 17th) and PO-00407 from 23:55 (71 customers, inside the first): 657 minutes without power,
      // 202 × 657 + 71 × 5 = 133,069 customer minutes. On the 16th the whole day is dark
      // (202 × 1440 + 71 × 32) and WO-00408 cuts water 00:07–04:17 for 193 customers.
      const zone = '260960005000132';
      const online = new OnlineStore(store.db);
      const storm = (await online.latest('zone_outages_daily', [zone], day('2015-03-15'))).get(zone)!;
      assert.equal(storm.asOf.toISOString(), '2015-03-15T00:00:00.000Z');
      assert.deepEqual(storm.values, {
        power_outages: 2,
        power_minutes: 657,
        power_customer_minutes: 133_069,
        water_outages: 0,
        water_minutes: 0,
        water_customer_minutes: 0,
      });
      const after = (await online.latest('zone_outages_daily', [zone], day('2015-03-16'))).get(zone)!;
      assert.deepEqual(after.values, {
        power_outages: 0,
        power_minutes: 1440,
        power_customer_minutes: 290_880 + 2_272,
        water_outages: 1,
        water_minutes: 250,
        water_customer_minutes: 48_250,
      });
      const quiet = (await online.latest('zone_outages_daily', [Z1], day('2015-03-15'))).get(Z1)!;
      assert.equal(quiet.values['power_minutes'], 0, 'a logged day without an outage is a zero, not a gap');
    });

    it('counts overlapping outages once and splits one across midnight', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const file = await store.write(
        'overlap.csv',
        `${HEADER}\nA,power_outage,${Z1},2016-01-01T23:00:00Z,2016-01-02T01:00:00Z,100\nB,power_outage,${Z1},2016-01-01T23:30:00Z,2016-01-02T00:30:00Z,10\n`,
      );
      const run = await runPipeline(store, cityEvents, { ...base, sources: [file] });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.equal(run.rows_loaded, 470 * 2);
      const online = new OnlineStore(store.db);
      const first = (await online.latest('zone_outages_daily', [Z1], day('2016-01-01'))).get(Z1)!;
      assert.deepEqual(
        [
          first.values['power_outages'],
          first.values['power_minutes'],
          first.values['power_customer_minutes'],
        ],
        [2, 60, 100 * 60 + 10 * 30],
      );
      const second = (await online.latest('zone_outages_daily', [Z1])).get(Z1)!;
      assert.deepEqual(
        [
          second.values['power_outages'],
          second.values['power_minutes'],
          second.values['power_customer_minutes'],
        ],
        [0, 60, 100 * 60 + 10 * 30],
      );
    });

    it('quarantines an outage that ended before it started, a repeated event id, a foreign zone id and an unknown kind', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const good = Array.from(
        { length: 20 },
        (_, i) =>
          `E${i},water_outage,${Z2},2016-01-01T${String(i).padStart(2, '0')}:00:00Z,2016-01-01T${String(i).padStart(2, '0')}:10:00Z,5`,
      );
      const bad = [
        `X1,power_outage,${Z1},2016-01-01T10:00:00Z,2016-01-01T09:00:00Z,5`,
        `E3,power_outage,${Z1},2016-01-01T12:00:00Z,2016-01-01T13:00:00Z,5`,
        'X2,power_outage,355030805000001,2016-01-01T12:00:00Z,2016-01-01T13:00:00Z,5',
        `X3,gas_outage,${Z1},2016-01-01T12:00:00Z,2016-01-01T13:00:00Z,5`,
      ];
      const run = await runPipeline(store, cityEvents, {
        ...base,
        sources: [await store.write('bad.csv', [HEADER, ...good, ...bad].join('\n') + '\n')],
      });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.deepEqual(run.quarantine, {
        'range:duration_min': 1,
        'unique:event_id': 1,
        'pattern:zone_id': 1,
        'in_set:kind': 1,
      });
      const kept = await new Catalog(store.db).quarantined(run.run_id);
      const ended = kept.find((q) => q.rule === 'range:duration_min')!;
      assert.equal(ended.row['event_id'], 'X1');
      assert.equal(ended.row['duration_min'], -60);
      const z1 = await new OnlineStore(store.db).latest('zone_outages_daily', [Z1, Z2]);
      assert.equal(z1.get(Z1)!.values['power_outages'], 0, 'none of the bad rows counted');
      assert.equal(z1.get(Z2)!.values['water_minutes'], 200);
    });

    it('EXPECTED FAILURE - a renamed column is refused whole (ETL_SCHEMA_MISMATCH)', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const file = await store.write(
        'renamed.csv',
        `event_id,type,zone_id,started_at,ended_at,customers_affected\nA,power_outage,${Z1},2016-01-01T00:00:00Z,2016-01-01T01:00:00Z,1\n`,
      );
      const run = await runPipeline(store, cityEvents, { ...base, sources: [file] });
      assert.equal(run.status, 'failed');
      assert.equal(run.error?.code, 'ETL_SCHEMA_MISMATCH');
      assert.match(run.error.message, /missing column kind/);
    });

    it('a re-delivered log is a duplicate', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const text = `${HEADER}\nA,power_outage,${Z1},2016-01-01T00:00:00Z,2016-01-01T01:00:00Z,1\n`;
      await assertRedeliveryIsDuplicate(store, cityEvents, text, ['a.csv', 'b.csv']);
    });
  });
});
