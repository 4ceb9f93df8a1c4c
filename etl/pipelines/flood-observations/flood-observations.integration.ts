import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { Catalog, OnlineStore } from '@cityassist/feature-store';
import { runPipeline } from '../../src/runner.ts';
import { REPO_ROOT, openTestStore, assertRedeliveryIsDuplicate } from '../../src/testing/harness.ts';
import { floodObservations } from './pipeline.ts';

const base = { trigger: 'test', requestedBy: 'test:flood-observations' };
const HEADER = 'zone_id,observed_at,flooded,depth_cm,source';
const Z1 = '260960005000001';
const Z2 = '260960005000002';
const Z3 = '260960005000003';

const report = (id: string, zone: string, at: string, category = 'FLOODING') =>
  JSON.stringify({ report_id: id, zone_id: zone, created_at: at, category, description: 'x' });

onEachDatabase((label, open) => {
  describe(`flood-observations pipeline on ${label}`, () => {
    it('loads the committed (simulated) observations and reports: one label per zone-hour seen', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const run = await runPipeline(store, floodObservations, {
        ...base,
        sources: floodObservations.defaultSources!.map((s) => path.join(REPO_ROOT, s)),
      });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.equal(run.rows_read, 200 + 641);
      assert.equal(run.rows_quarantined, 0);
      assert.equal(run.rows_loaded, 669, 'zone-hours with an observation or a flooding report');
      // By hand: zone …438 was seen flooded at 06:28Z on 15 March (23.2 cm) and two FLOODING reports
      // came from it between 06:00 and 07:00Z; the label is for the hour ending 07:00Z.
      const zone = '260960005000438';
      const row = (
        await new OnlineStore(store.db).latest(
          'zone_flood_observations',
          [zone],
          new Date('2015-03-15T07:00:00Z'),
        )
      ).get(zone)!;
      assert.equal(row.asOf.toISOString(), '2015-03-15T07:00:00.000Z');
      assert.deepEqual(row.values, { flooded: 1, n_reports: 2, n_observations: 1, max_depth_cm: 23.2 });
    });

    it('labels from reports alone, ignores other categories, and lets a report overrule a dry observation', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const obs = await store.write(
        'obs.csv',
        `${HEADER}\n${Z1},2016-01-01T10:20:00Z,0,,patrol\n${Z3},2016-01-01T10:40:00Z,0,0,patrol\n`,
      );
      const reports = await store.write(
        'reports.jsonl',
        [
          report('r1', Z1, '2016-01-01T10:50:00Z', 'flooding'),
          report('r2', Z2, '2016-01-01T10:05:00Z'),
          report('r3', Z2, '2016-01-01T10:55:00Z'),
          report('r4', Z3, '2016-01-01T10:30:00Z', 'POTHOLE'),
        ].join('\n') + '\n',
      );
      const run = await runPipeline(store, floodObservations, { ...base, sources: [obs, reports] });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      const rows = await new OnlineStore(store.db).latest('zone_flood_observations', [Z1, Z2, Z3]);
      assert.deepEqual(rows.get(Z1)?.values, {
        flooded: 1,
        n_reports: 1,
        n_observations: 1,
        max_depth_cm: null,
      });
      assert.deepEqual(rows.get(Z2)?.values, {
        flooded: 1,
        n_reports: 2,
        n_observations: 0,
        max_depth_cm: null,
      });
      assert.deepEqual(
        rows.get(Z3)?.values,
        { flooded: 0, n_reports: 0, n_observations: 1, max_depth_cm: 0 },
        'a pothole is no flood',
      );
      assert.equal(rows.get(Z2)?.asOf.toISOString(), '2016-01-01T11:00:00.000Z');
    });

    it('counts a malformed JSON line as malformed and loads the rest', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const lines = [
        ...Array.from({ length: 9 }, (_, i) => report(`r${i}`, Z1, `2016-01-01T0${i}:10:00Z`)),
        '{"report_id": "r9", "zone_id": "260960005000001", "created_at": ',
      ];
      const run = await runPipeline(store, floodObservations, {
        ...base,
        sources: [await store.write('cut.jsonl', lines.join('\n') + '\n')],
      });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.deepEqual(run.quarantine, { malformed: 1 });
      assert.equal(run.rows_read, 10);
      assert.equal(run.rows_loaded, 9);
      const kept = await new Catalog(store.db).quarantined(run.run_id);
      assert.equal(kept[0]!.line, 10);
      assert.match(kept[0]!.reason, /not JSON/);
    });

    it('quarantines a flooded value that is not 0/1, a report without an id, a depth in mm and a foreign zone', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const good = Array.from(
        { length: 20 },
        (_, i) => `${Z1},2016-01-01T${String(i).padStart(2, '0')}:10:00Z,1,10,patrol`,
      );
      const obs = await store.write(
        'obs.csv',
        [
          HEADER,
          ...good,
          `${Z2},2016-01-01T10:00:00Z,yes,10,patrol`,
          `${Z2},2016-01-01T11:00:00Z,1,800,patrol`,
          `3550308,2016-01-01T11:00:00Z,1,1,patrol`,
        ].join('\n') + '\n',
      );
      const reports = await store.write(
        'reports.jsonl',
        `${report('r1', Z3, '2016-01-01T10:00:00Z')}\n{"zone_id":"${Z3}","created_at":"2016-01-01T10:30:00Z","category":"FLOODING","report_id":null}\n`,
      );
      const run = await runPipeline(store, floodObservations, { ...base, sources: [obs, reports] });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.deepEqual(run.quarantine, {
        'in_set:evidence': 1,
        'range:depth_cm': 1,
        'pattern:zone_id': 1,
        'not_null:zone_id+observed_at+evidence': 1,
      });
    });

    it('EXPECTED FAILURE - a renamed column is refused whole (ETL_SCHEMA_MISMATCH), in either format', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const csv = await store.write(
        'renamed.csv',
        `zone_id,observed_at,is_flooded,depth_cm,source\n${Z1},2016-01-01T10:00:00Z,1,5,patrol\n`,
      );
      const run = await runPipeline(store, floodObservations, { ...base, sources: [csv] });
      assert.equal(run.status, 'failed');
      assert.equal(run.error?.code, 'ETL_SCHEMA_MISMATCH');
      assert.match(run.error.message, /missing column flooded/);
      const jsonl = await store.write(
        'renamed.jsonl',
        `{"report_id":"r1","zone_id":"${Z1}","created_at":"2016-01-01T10:00:00Z","kind":"FLOODING"}\n`,
      );
      const second = await runPipeline(store, floodObservations, { ...base, sources: [jsonl] });
      assert.equal(second.error?.code, 'ETL_SCHEMA_MISMATCH');
      assert.match(second.error.message, /missing column category/);
    });

    it('a re-delivered file is a duplicate', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const text = `${report('r1', Z1, '2016-01-01T10:00:00Z')}\n`;
      await assertRedeliveryIsDuplicate(store, floodObservations, text, ['a.jsonl', 'b.jsonl']);
    });
  });
});
