import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import {
  Catalog,
  OnlineStore,
  openDuck,
  parquetFilesUnder,
  queryRows,
  sqlString,
} from '@cityassist/feature-store';
import { airQuality } from '../pipelines/air-quality/pipeline.ts';
import type { Pipeline } from './pipeline.ts';
import { runPipeline } from './runner.ts';
import { openAqCsv, openTestStore } from './testing/harness.ts';

const base = { trigger: 'test', requestedBy: 'test:runner' };

const readings = (n: number, sensor = 's1', start = Date.parse('2015-12-18T00:00:00Z')) =>
  Array.from(
    { length: n },
    (_, h) => [sensor, new Date(start + h * 3_600_000).toISOString(), 'pm25', 10 + h, 'µg/m³'] as const,
  );

onEachDatabase((label, open) => {
  describe(`ETL runner on ${label}`, () => {
    it('loads a delivery once: a dataset version with lineage, offline Parquet by date and the online rows', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const file = await store.write('a.csv', openAqCsv([...readings(30), ...readings(30, 's2')]));
      const first = await runPipeline(store, airQuality, { ...base, sources: [file] });
      assert.equal(first.status, 'succeeded', JSON.stringify(first));
      assert.equal(first.rows_read, 60);
      assert.equal(first.rows_loaded, 60);
      assert.match(first.dataset_version!, /^sensor_pm_hourly@\d{8}T\d{6}Z\.[0-9a-f]{8}$/);

      const version = (await new Catalog(store.db).version(first.dataset_version!))!;
      assert.equal(version.createdBy, 'test:runner');
      assert.equal(version.sources[0]!.uri, file);
      assert.match(version.sources[0]!.sha256, /^[0-9a-f]{64}$/);
      assert.equal(version.rowCount, 60);
      assert.equal(version.timeMax?.toISOString(), '2015-12-19T05:00:00.000Z');
      // Partitioned by date: 30 hours from midnight span two days.
      const files = await parquetFilesUnder(version.offlineUri);
      assert.deepEqual(
        files.map((f) => path.basename(path.dirname(f))),
        ['date=2015-12-18', 'date=2015-12-19'],
      );
      using duck = await openDuck({ tempDir: path.join(store.dir, 'q') });
      const [count] = await queryRows<{ n: number }>(
        duck,
        `select count(*)::int as n from read_parquet([${files.map(sqlString).join(', ')}])`,
      );
      assert.equal(count!.n, 60);

      const online = await new OnlineStore(store.db).latest('sensor_pm_hourly', ['s1', 's2']);
      assert.equal(online.get('s1')?.values['pm25'], 39);
      assert.equal(online.get('s1')?.datasetVersion, first.dataset_version);

      // The same bytes under another name: no new version.
      const again = await runPipeline(store, airQuality, {
        ...base,
        sources: [await store.write('copy.csv', openAqCsv([...readings(30), ...readings(30, 's2')]))],
      });
      assert.equal(again.status, 'duplicate');
      assert.equal(again.dataset_version, first.dataset_version);
      assert.equal((await new Catalog(store.db).versions({})).length, 1);
    });

    it('EXPECTED FAILURE - a delivery breaking a critical expectation loads nothing, and its quarantine is kept', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      // 3 good rows of 10: far above the suite's 20% quarantine limit.
      const bad = Array.from(
        { length: 7 },
        (_, i) => ['s1', `2015-12-18T0${i}:30:00Z`, 'pm25', 5, 'ppm'] as const,
      );
      const file = await store.write('bad.csv', openAqCsv([...readings(3), ...bad]));
      const run = await runPipeline(store, airQuality, { ...base, sources: [file] });
      assert.equal(run.status, 'rejected');
      assert.equal(run.error?.code, 'ETL_EXPECTATIONS_FAILED');
      assert.deepEqual(run.quarantine, { unit: 7 });
      assert.equal(run.rows_quarantined, 7);
      const catalog = new Catalog(store.db);
      assert.equal((await catalog.versions({})).length, 0);
      assert.equal((await new OnlineStore(store.db).latest('sensor_pm_hourly', ['s1'])).size, 0);
      const kept = await catalog.quarantined(run.run_id);
      assert.equal(kept.length, 7);
      assert.equal(kept[0]!.rule, 'unit');
      assert.equal(kept[0]!.line, 5);
      assert.equal(kept[0]!.row['unit'], 'ppm');
      const recorded = await catalog.run(run.run_id);
      assert.ok(recorded!.expectations.some((e) => e.rule === 'quarantine_share' && !e.passed));
      assert.deepEqual(await readdir(path.join(store.dir, 'offline')).catch(() => []), []);
    });

    it('quarantines bad rows and loads the rest, converting units', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const rows = [
        ...readings(20),
        ['s1', '2015-12-19T00:00:00Z', 'pm25', 0.05, 'mg/m3'],
        ['s1', '2015-12-19T01:00:00Z', 'pm25', 'n/a', 'µg/m³'],
        readings(1)[0]!,
      ] as const;
      const run = await runPipeline(store, airQuality, {
        ...base,
        sources: [await store.write('m.csv', openAqCsv(rows))],
      });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.deepEqual(run.quarantine, { 'type:value': 1, 'unique:location_id+parameter+datetime': 1 });
      assert.equal(run.rows_loaded, 21);
      const online = await new OnlineStore(store.db).latest('sensor_pm_hourly', ['s1']);
      assert.equal(online.get('s1')?.values['pm25'], 50, '0.05 mg/m³ is 50 µg/m³');
    });

    it('keeps only the backfill window, and a window is a delivery of its own', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const file = await store.write('w.csv', openAqCsv(readings(48)));
      const from = new Date('2015-12-18T12:00:00Z');
      const to = new Date('2015-12-19T00:00:00Z');
      const run = await runPipeline(store, airQuality, { ...base, sources: [file], from, to });
      assert.equal(run.status, 'succeeded');
      assert.equal(run.rows_loaded, 12);
      const all = await runPipeline(store, airQuality, { ...base, sources: [file] });
      assert.equal(all.status, 'succeeded', 'the whole file is not the same delivery as a window of it');
    });

    it('EXPECTED FAILURE - a load that fails halfway leaves no version, no files and no online rows; a retry of the run loads once', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const file = await store.write('c.csv', openAqCsv(readings(10)));
      let fail = true;
      // A pipeline whose second output cannot be written: the first one's files must go too.
      const broken: Pipeline = {
        ...airQuality,
        async transform(ctx) {
          const outputs = await airQuality.transform(ctx);
          if (!fail) return outputs;
          await ctx.duck.run(
            'create table out_broken as select entity_id, as_of, pm25 as nothing from out_sensor_pm_hourly',
          );
          return [...outputs, { view: { ...outputs[0]!.view, name: 'broken' }, table: 'out_broken' }];
        },
      };
      const run = await runPipeline(store, broken, { ...base, runId: 'job-1', sources: [file] });
      assert.equal(run.status, 'failed');
      assert.equal(run.error?.code, 'ETL_LOAD_FAILED');
      assert.equal((await new Catalog(store.db).versions({})).length, 0);
      assert.equal((await new OnlineStore(store.db).latest('sensor_pm_hourly', ['s1'])).size, 0);
      const left = await parquetFilesUnder(path.join(store.dir, 'offline')).catch(() => []);
      assert.deepEqual(left, []);
      fail = false;
      const retry = await runPipeline(store, broken, { ...base, runId: 'job-1', sources: [file] });
      assert.equal(retry.status, 'succeeded');
      assert.equal((await new Catalog(store.db).run('job-1'))!.attempts, 2);
      const replay = await runPipeline(store, broken, { ...base, runId: 'job-1', sources: [file] });
      assert.equal(replay.status, 'succeeded');
      assert.equal((await new Catalog(store.db).versions({})).length, 1, 'a finished run is not run again');
    });

    it('two workers racing on the same delivery commit it once', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      // Many sensors so the racers' online upserts overlap row by row (three racers on one sensor
      // deadlocked once in CI: 'deadlock detected' instead of 'duplicate').
      const sensors = Array.from({ length: 40 }, (_, i) => readings(48, `s${i}`)).flat();
      const file = await store.write('r.csv', openAqCsv(sensors));
      const results = await Promise.all(
        [1, 2, 3, 4, 5, 6].map(() => runPipeline(store, airQuality, { ...base, sources: [file] })),
      );
      assert.deepEqual(
        results.map((r) => r.status).sort(),
        ['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'succeeded'],
        JSON.stringify(results.map((r) => r.error)),
      );
      assert.equal((await new Catalog(store.db).versions({})).length, 1);
      const views = (await readdir(path.join(store.dir, 'offline', 'sensor_pm_hourly'))).filter((d) =>
        d.startsWith('version='),
      );
      assert.equal(views.length, 1, 'the losers removed their files');
    });

    it('deliveries racing on the same online rows all commit, none deadlocks', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      // Each delivery corrects the same sensors' hours with its own values: every one is new.
      const files = await Promise.all(
        [0, 1, 2, 3, 4].map((k) =>
          store.write(
            `fix-${k}.csv`,
            openAqCsv(
              Array.from({ length: 40 }, (_, i) => readings(48, `s${i}`))
                .flat()
                .map(([s, at, p, v, u]) => [s, at, p, v + k, u] as const),
            ),
          ),
        ),
      );
      const results = await Promise.all(
        files.map((file) => runPipeline(store, airQuality, { ...base, sources: [file] })),
      );
      assert.deepEqual(
        results.map((r) => r.status),
        ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded'],
        JSON.stringify(results.map((r) => r.error)),
      );
      assert.equal((await new Catalog(store.db).versions({})).length, 5);
      // The online row is the last committed delivery's, whole: no mix of two deliveries.
      const latest = await new OnlineStore(store.db).latest('sensor_pm_hourly', ['s0', 's39']);
      assert.equal(new Set([...latest.values()].map((r) => r.datasetVersion)).size, 1);
    });
  });
});
