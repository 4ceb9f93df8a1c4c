import assert from 'node:assert/strict';
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
import { runPipeline } from '../../src/runner.ts';
import { REPO_ROOT, openTestStore, assertRedeliveryIsDuplicate } from '../../src/testing/harness.ts';
import { locationOfFile, weather } from './pipeline.ts';

const base = { trigger: 'test', requestedBy: 'test:weather' };

const close = (actual: number | null | undefined, expected: number, what: string) =>
  assert.ok(
    actual !== null && actual !== undefined && Math.abs(actual - expected) < 1e-9,
    `${what}: ${actual} ≠ ${expected}`,
  );

describe('locationOfFile', () => {
  it('takes the place from the file name', () => {
    assert.equal(locationOfFile('data/rainfall/seattle-weather.csv'), 'seattle');
    assert.equal(locationOfFile('s3://feeds/New_York_daily.csv'), 'new-york');
    assert.equal(locationOfFile('weather.csv'), undefined);
  });
});

onEachDatabase((label, open) => {
  describe(`weather pipeline on ${label}`, () => {
    it('loads the committed Seattle file: 1,461 days, the last month online, every day offline', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const run = await runPipeline(store, weather, {
        ...base,
        sources: weather.defaultSources!.map((s) => path.join(REPO_ROOT, s)),
      });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.equal(run.rows_read, 1461, '2012-01-01…2015-12-31');
      assert.equal(run.rows_loaded, 1461);
      assert.equal(run.rows_quarantined, 0);
      // The file's last line: 2015-12-31,0.0,5.6,-2.1,3.5,sun.
      const last = (await new OnlineStore(store.db).latest('city_weather_daily', ['seattle'])).get(
        'seattle',
      )!;
      assert.equal(last.asOf.toISOString(), '2015-12-31T00:00:00.000Z');
      assert.deepEqual(last.values, { precipitation_mm: 0, temp_max_c: 5.6, temp_min_c: -2.1, wind_ms: 3.5 });
      const version = (await new Catalog(store.db).version(run.dataset_version!))!;
      assert.equal(version.onlineRows, 32, '31 days back from the newest day, both ends included');
      // The storm day the Olinda gauge simulation is driven by: 2015-03-15,55.9,10.6,6.1,4.2,rain.
      using duck = await openDuck({ tempDir: path.join(store.dir, 'q') });
      const files = await parquetFilesUnder(version.offlineUri);
      const [storm] = await queryRows<{ p: number; n: number }>(
        duck,
        `select any_value(precipitation_mm) as p, count(*)::int as n from read_parquet([${files.map(sqlString).join(', ')}])
          where as_of = '2015-03-15T00:00:00Z'::timestamptz`,
      );
      assert.deepEqual(storm, { p: 55.9, n: 1 });
    });

    it('converts a Fahrenheit/inch/mph file, and a units column row by row; refuses a unit it does not know', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const us = await store.write(
        'boston-weather.csv',
        'date,precipitation_in,temp_max_f,temp_min_f,wind_mph\n2016-01-01,1.00,50,32,10\n',
      );
      const mixed = await store.write(
        'mixed.csv',
        'location,date,precipitation,temp_max,temp_min,wind,weather,units\n' +
          'Portland,2016-01-01,0.5,41,23,5,snow,us\n' +
          'Portland,2016-01-02,2.0,4.0,-1.5,2.0,rain,metric\n' +
          'Portland,2016-01-03,2.0,277,270,2.0,rain,kelvin\n' +
          'Portland,2016-01-04,1.0,5.0,1.0,2.0,rain,\n' +
          'Portland,2016-01-05,1.0,6.0,1.0,2.0,rain,metric\n',
      );
      const run = await runPipeline(store, weather, { ...base, sources: [us, mixed] });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      // A kelvin row breaks the units list (and, read as °C, the temperature ranges).
      assert.deepEqual(run.quarantine, { 'in_set:units': 1, 'range:temp_max': 1, 'range:temp_min': 1 });
      assert.equal(run.rows_loaded, 5);
      const online = new OnlineStore(store.db);
      const boston = (await online.latest('city_weather_daily', ['boston'])).get('boston')!;
      assert.deepEqual(boston.values, {
        precipitation_mm: 25.4,
        temp_max_c: 10,
        temp_min_c: 0,
        wind_ms: 4.47,
      });
      const portland = (
        await online.latest('city_weather_daily', ['portland'], new Date('2016-01-01T00:00:00Z'))
      ).get('portland')!;
      close(portland.values['precipitation_mm'], 12.7, '0.5 in');
      close(portland.values['temp_max_c'], 5, '41 °F');
      close(portland.values['temp_min_c'], -5, '23 °F');
      close(portland.values['wind_ms'], 2.24, '5 mph, to 0.01 m/s');
    });

    it('reads vega-datasets weather.csv, which names its places: one entity each', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const file = await store.write(
        'weather.csv',
        'location,date,precipitation,temp_max,temp_min,wind,weather\n' +
          'Seattle,2015-12-31,0.0,5.6,-2.1,3.5,sun\n' +
          'New York,2015-12-30,9.4,10.6,5.0,3.0,rain\n' +
          'New York,2015-12-31,1.5,11.1,6.1,5.5,rain\n',
      );
      const run = await runPipeline(store, weather, { ...base, sources: [file] });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      const rows = await new OnlineStore(store.db).latest('city_weather_daily', ['seattle', 'new-york']);
      assert.deepEqual(rows.get('new-york')?.values, {
        precipitation_mm: 1.5,
        temp_max_c: 11.1,
        temp_min_c: 6.1,
        wind_ms: 5.5,
      });
      assert.equal(rows.get('seattle')?.values['temp_min_c'], -2.1);
    });

    it('EXPECTED FAILURE - a renamed column is refused whole (ETL_SCHEMA_MISMATCH)', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const file = await store.write(
        'seattle-weather.csv',
        'date,precip,temp_max,temp_min,wind,weather\n2015-12-31,0.0,5.6,-2.1,3.5,sun\n',
      );
      const run = await runPipeline(store, weather, { ...base, sources: [file] });
      assert.equal(run.status, 'failed');
      assert.equal(run.error?.code, 'ETL_SCHEMA_MISMATCH');
      assert.match(run.error.message, /missing column precipitation/);
    });

    it('EXPECTED FAILURE - a file that names no place, in its columns or its name, is refused', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const file = await store.write(
        'weather.csv',
        'date,precipitation,temp_max,temp_min,wind,weather\n2015-12-31,0.0,5.6,-2.1,3.5,sun\n',
      );
      const run = await runPipeline(store, weather, { ...base, sources: [file] });
      assert.equal(run.status, 'failed');
      assert.equal(run.error?.code, 'ETL_SCHEMA_MISMATCH');
    });

    it('a re-delivered file is a duplicate', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const text = 'date,precipitation,temp_max,temp_min,wind,weather\n2015-12-31,0.0,5.6,-2.1,3.5,sun\n';
      await assertRedeliveryIsDuplicate(store, weather, text, [
        'seattle-weather.csv',
        'seattle-weather-copy.csv',
      ]);
    });
  });
});
