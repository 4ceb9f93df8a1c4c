import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { Catalog, OnlineStore } from '@cityassist/feature-store';
import { runPipeline } from '../../src/runner.ts';
import { REPO_ROOT, openTestStore, assertRedeliveryIsDuplicate } from '../../src/testing/harness.ts';
import { distanceM, readStations } from './gauges.ts';
import { rainGauge } from './pipeline.ts';

const base = { trigger: 'test', requestedBy: 'test:rain-gauge' };
const EXTRACT = path.join(REPO_ROOT, 'data/rainfall/olinda_gauges.csv');
const STATIONS = path.join(REPO_ROOT, 'data/rainfall/olinda_gauge_stations.csv');
/** The tract OLG07 stands in (Peixinhos): the only gauge within 2 km of its centroid. */
const PEIXINHOS = '260960005000153';
/** The tract OLG04 stands in (Águas Compridas), 5 km from OLG07. */
const AGUAS_COMPRIDAS = '260960005000174';

const at = (iso: string) => new Date(iso);

onEachDatabase((label, open) => {
  describe(`rain-gauge pipeline on ${label}`, () => {
    it('loads the committed Olinda extract: 7 gauges × 72 h → every zone and hour, with the trailing sums', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const run = await runPipeline(store, rainGauge, {
        ...base,
        sources: rainGauge.defaultSources!.map((s) => path.join(REPO_ROOT, s)),
      });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.equal(run.rows_read, 504);
      assert.equal(run.rows_quarantined, 0);
      assert.equal(
        run.rows_loaded,
        2 * 470 * 72,
        'zone_rain_hourly and zone_flood_features, 470 zones × 72 hours',
      );
      assert.deepEqual(
        run.dataset_versions.map((v) => v.split('@')[0]),
        ['zone_rain_hourly', 'zone_flood_features'],
      );
      const online = new OnlineStore(store.db);
      // By hand: OLG07's file rows 2015-03-14T16:00Z…2015-03-15T15:00Z add up to 55.4 mm (Seattle's
      // 55.9 mm of 15 March × OLG07's factor 0.991), all 72 rows to 74.3 mm, the last hour is 1.6 mm.
      const features = await online.latest('zone_flood_features', [PEIXINHOS]);
      const f = features.get(PEIXINHOS)!;
      assert.equal(f.asOf.toISOString(), '2015-03-15T16:00:00.000Z');
      assert.ok(Math.abs(f.values['rain_24h_mm']! - 55.4) < 1e-9, String(f.values['rain_24h_mm']));
      assert.ok(Math.abs(f.values['rain_72h_mm']! - 74.3) < 1e-9, String(f.values['rain_72h_mm']));
      assert.ok(Math.abs(f.values['rain_1h_mm']! - 1.6) < 1e-9);
      assert.equal(f.values['flooded_fraction'], null);
      const rain = (await online.latest('zone_rain_hourly', [PEIXINHOS])).get(PEIXINHOS)!;
      assert.equal(
        rain.asOf.toISOString(),
        '2015-03-15T15:00:00.000Z',
        'zone_rain_hourly is keyed by the hour start',
      );
      assert.equal(rain.values['coverage'], 1);
    });

    it('a second delivery of the next hours sums over the first delivery’s rows from the online store', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const [header, ...rows] = (await readFile(EXTRACT, 'utf8')).trim().split('\n');
      const split = '2015-03-14T16:00:00Z';
      const first = await store.write(
        'first.csv',
        [header, ...rows.filter((r) => r.split(',')[1]! < split)].join('\n') + '\n',
      );
      const second = await store.write(
        'second.csv',
        [header, ...rows.filter((r) => r.split(',')[1]! >= split)].join('\n') + '\n',
      );
      const one = await runPipeline(store, rainGauge, { ...base, sources: [first] });
      assert.equal(one.status, 'succeeded', JSON.stringify(one));
      const two = await runPipeline(store, rainGauge, { ...base, sources: [second] });
      assert.equal(two.status, 'succeeded', JSON.stringify(two));
      assert.equal(two.rows_read, 7 * 24);
      const online = new OnlineStore(store.db);
      // By hand: the 24 h to 2015-03-15T01:00Z are OLG07's 15 hours 01:00…15:00Z on the 14th from
      // the first file (16.9 mm) and its 9 hours 16:00Z…00:00Z from the second (1.8 mm).
      const mid = (await online.latest('zone_flood_features', [PEIXINHOS], at('2015-03-15T01:00:00Z'))).get(
        PEIXINHOS,
      )!;
      assert.equal(mid.asOf.toISOString(), '2015-03-15T01:00:00.000Z');
      assert.ok(Math.abs(mid.values['rain_24h_mm']! - 18.7) < 1e-9, String(mid.values['rain_24h_mm']));
      assert.equal(mid.datasetVersion, two.dataset_versions[1]);
      const end = (await online.latest('zone_flood_features', [PEIXINHOS])).get(PEIXINHOS)!;
      assert.ok(Math.abs(end.values['rain_72h_mm']! - 74.3) < 1e-9, 'the same 72 h sum as one long file');
      const version = await new Catalog(store.db).version(two.dataset_versions[1]!);
      assert.deepEqual(version!.inputs, [one.dataset_versions[0]], 'lineage names the rain it summed over');
    });

    it('sums sub-hourly readings into their hour and converts inches; quarantines negative rain and unknown gauges', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const stations = await readStations(STATIONS);
      const hourly = stations.flatMap((s) =>
        ['2015-03-16T00:00:00Z', '2015-03-16T01:00:00Z'].map((h) => `${s.station},${h},0.0,mm`),
      );
      const csv = [
        'station,time,mm,unit',
        ...hourly.filter((r) => !r.startsWith('OLG07,2015-03-16T01') && !r.startsWith('OLG04,2015-03-16T01')),
        'OLG07,2015-03-16T01:00:00Z,0.5,mm',
        'OLG07,2015-03-16T01:15:00Z,0.7,',
        'OLG07,2015-03-16T01:30:00Z,1.1,mm',
        'OLG07,2015-03-16T01:45:00Z,0.2,mm',
        'OLG04,2015-03-16T01:00:00Z,0.1,in',
        'OLG03,2015-03-16T02:00:00Z,-0.4,mm',
        'OLG99,2015-03-16T01:00:00Z,3.0,mm',
      ];
      const run = await runPipeline(store, rainGauge, {
        ...base,
        sources: [await store.write('mixed.csv', csv.join('\n') + '\n')],
      });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.deepEqual(run.quarantine, { 'range:mm': 1, 'in_set:station': 1 });
      const kept = await new Catalog(store.db).quarantined(run.run_id);
      assert.deepEqual(
        kept.map((q) => [q.rule, q.line]),
        [
          ['range:mm', csv.length - 1],
          ['in_set:station', csv.length],
        ],
      );
      const rain = await new OnlineStore(store.db).latest('zone_rain_hourly', [PEIXINHOS, AGUAS_COMPRIDAS]);
      assert.ok(
        Math.abs(rain.get(PEIXINHOS)!.values['rain_mm']! - 2.5) < 1e-9,
        'four quarter-hours: 0.5 + 0.7 + 1.1 + 0.2',
      );
      assert.ok(Math.abs(rain.get(AGUAS_COMPRIDAS)!.values['rain_mm']! - 2.54) < 1e-9, '0.1 in is 2.54 mm');
    });

    it('falls back to the nearest gauge when none within the radius reported, with a coverage below 1', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const file = await store.write(
        'one-gauge.csv',
        'station,time,mm\nOLG07,2015-03-16T00:00:00Z,4.0\nOLG07,2015-03-16T01:00:00Z,2.0\n',
      );
      const run = await runPipeline(store, rainGauge, { ...base, sources: [file] });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      const rain = (await new OnlineStore(store.db).latest('zone_rain_hourly', [AGUAS_COMPRIDAS])).get(
        AGUAS_COMPRIDAS,
      )!;
      assert.equal(rain.values['rain_mm'], 2);
      const olg07 = (await readStations(STATIONS)).find((s) => s.station === 'OLG07')!;
      const terrain = (await readFile(path.join(REPO_ROOT, 'data/olinda/terrain.csv'), 'utf8'))
        .split('\n')
        .find((l) => l.startsWith(AGUAS_COMPRIDAS))!;
      const [lon, lat] = terrain.split(',').slice(-2).map(Number);
      const d = distanceM({ lat: lat!, lon: lon! }, olg07);
      assert.ok(d > 5000 && d < 5500, `OLG07 is ${d} m away`);
      assert.ok(
        Math.abs(rain.values['coverage']! - 2000 / d) < 1e-9,
        `coverage ${rain.values['coverage']} = radius / distance`,
      );
    });

    it('reads the station_id,datetime,rain_mm spelling', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const file = await store.write(
        'spelled.csv',
        'station_id,datetime,rain_mm\nOLG07,2015-03-16T00:00:00Z,1.5\n',
      );
      const run = await runPipeline(store, rainGauge, { ...base, sources: [file] });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.equal(
        (await new OnlineStore(store.db).latest('zone_rain_hourly', [PEIXINHOS])).get(PEIXINHOS)!.values[
          'rain_mm'
        ],
        1.5,
      );
    });

    it('EXPECTED FAILURE - a renamed column is refused whole (ETL_SCHEMA_MISMATCH), nothing loaded', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const file = await store.write('renamed.csv', 'station,when,mm\nOLG07,2015-03-16T00:00:00Z,1.5\n');
      const run = await runPipeline(store, rainGauge, { ...base, sources: [file] });
      assert.equal(run.status, 'failed');
      assert.equal(run.error?.code, 'ETL_SCHEMA_MISMATCH');
      assert.match(run.error.message, /missing column time; found station, when, mm/);
      assert.equal((await new Catalog(store.db).versions({})).length, 0);
    });

    it('a re-delivered file is a duplicate: no new version', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const text = 'station,time,mm\nOLG07,2015-03-16T00:00:00Z,1.5\nOLG04,2015-03-16T00:00:00Z,0.5\n';
      await assertRedeliveryIsDuplicate(store, rainGauge, text, ['a.csv', 'b.csv']);
      assert.equal((await new Catalog(store.db).versions({})).length, 2);
    });
  });
});
