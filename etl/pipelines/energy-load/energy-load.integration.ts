import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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
import { energyLoad, regionOfFile } from './pipeline.ts';

const base = { trigger: 'test', requestedBy: 'test:energy-load' };
const WIDE = 'data/energy/olinda_zone_load.csv';
const LONG = 'data/energy/olinda_zone_load_long.csv';

describe('regionOfFile', () => {
  it('names a one-series file by its stem', () => {
    assert.equal(regionOfFile('data/energy/taylor_demand.csv'), 'taylor');
    assert.equal(regionOfFile('s3://meters/north-load.csv'), 'north');
  });
});

onEachDatabase((label, open) => {
  describe(`energy-load pipeline on ${label}`, () => {
    it('loads the committed extracts: England & Wales half-hours into hours, the Olinda zones hour by hour with the temperature', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const run = await runPipeline(store, energyLoad, {
        ...base,
        sources: energyLoad.defaultSources!.map((s) => path.join(REPO_ROOT, s)),
      });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      const [head, ...lines] = (await readFile(path.join(REPO_ROOT, WIDE), 'utf8')).trim().split('\n');
      const zones = head!.split(',').slice(2);
      assert.equal(
        run.rows_read,
        4032 + zones.length * lines.length,
        'taylor half-hours + one row per Olinda zone and hour, a lost reading included',
      );
      assert.equal(run.rows_quarantined, 0);
      assert.equal(run.rows_loaded, 2016 + zones.length * lines.length);
      // By hand, the file's first two half-hours (22,262 and 21,756 MW): a mean of 22,009 MW.
      const version = (await new Catalog(store.db).version(run.dataset_version!))!;
      using duck = await openDuck({ tempDir: path.join(store.dir, 'q') });
      const files = await parquetFilesUnder(version.offlineUri);
      const [first] = await queryRows<{
        load_kw: number;
        energy_kwh: number;
        completeness: number;
        temp_c: number | null;
        n: number;
      }>(
        duck,
        `select any_value(load_kw) as load_kw, any_value(energy_kwh) as energy_kwh, any_value(completeness) as completeness,
                any_value(temp_c) as temp_c, count(*)::int as n
           from read_parquet([${files.map(sqlString).join(', ')}])
          where entity_id = 'taylor' and as_of = '2000-06-04T23:00:00Z'::timestamptz`,
      );
      assert.deepEqual(first, {
        load_kw: 22_009_000,
        energy_kwh: 22_009_000,
        completeness: 1,
        temp_c: null,
        n: 1,
      });
      // The year-2000 series sits offline only: the online store keeps two weeks back from 2016-01-01.
      assert.equal(version.onlineRows, zones.length * lines.length);
      const online = await new OnlineStore(store.db).latest('zone_energy_hourly', [zones[0]!, 'taylor']);
      assert.equal(online.has('taylor'), false);
      const zone = online.get(zones[0]!)!;
      const last = lines.at(-1)!.split(',');
      assert.equal(zone.asOf.toISOString(), new Date(last[0]!).toISOString());
      assert.deepEqual(
        zone.values,
        { load_kw: Number(last[2]), energy_kwh: Number(last[2]), completeness: 1, temp_c: Number(last[1]) },
        'the wide file’s last row, first zone, with the hour’s temperature',
      );
    });

    it('a wide file’s empty cell is an hour without a reading that keeps its temperature; the long cut of the same hours loads the same loads', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const wide = await store.write(
        'wide.csv',
        'at_utc,temp_c,z1,z2\n2016-01-01T00:00:00Z,21.5,10.5,\n2016-01-01T01:00:00Z,,11,7.25\n',
      );
      const run = await runPipeline(store, energyLoad, { ...base, sources: [wide] });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.equal(run.rows_quarantined, 0, 'a lost reading is not a bad row');
      const rows = await new OnlineStore(store.db).range(
        'zone_energy_hourly',
        ['z1', 'z2'],
        new Date('2016-01-01T00:00:00Z'),
        new Date('2016-01-01T02:00:00Z'),
      );
      assert.deepEqual(
        rows.map((r) => [r.entityId, r.asOf.toISOString().slice(11, 13), r.values]),
        [
          ['z1', '00', { load_kw: 10.5, energy_kwh: 10.5, completeness: 1, temp_c: 21.5 }],
          ['z1', '01', { load_kw: 11, energy_kwh: 11, completeness: 1, temp_c: null }],
          ['z2', '00', { load_kw: null, energy_kwh: null, completeness: 0, temp_c: 21.5 }],
          ['z2', '01', { load_kw: 7.25, energy_kwh: 7.25, completeness: 1, temp_c: null }],
        ],
      );
    });

    it('the committed long cut (the wide extract’s last 24 h) loads the same loads as the wide extract', async (t) => {
      // One database each: on Postgres a test database is shared by every store opened on it.
      await using longCfg = await open();
      await using wideCfg = await open();
      if (!longCfg || !wideCfg) return t.skip('no Postgres on this machine');
      await using fromLong = await openTestStore(longCfg);
      await using fromWide = await openTestStore(wideCfg);
      for (const [store, file] of [
        [fromLong, LONG],
        [fromWide, WIDE],
      ] as const) {
        const run = await runPipeline(store, energyLoad, { ...base, sources: [path.join(REPO_ROOT, file)] });
        assert.equal(run.status, 'succeeded', JSON.stringify(run));
      }
      const zones = await new OnlineStore(fromLong.db).entities('zone_energy_hourly');
      const window = [new Date('2015-12-31T03:00:00Z'), new Date('2016-01-01T03:00:00Z')] as const;
      const loadsOf = async (db: typeof fromLong.db) =>
        (await new OnlineStore(db).range('zone_energy_hourly', zones, ...window))
          .filter((r) => r.values['load_kw'] !== null)
          .map((r) => [r.entityId, r.asOf.toISOString(), r.values['load_kw']]);
      const longLoads = await loadsOf(fromLong.db);
      assert.equal(longLoads.length, 11_176, 'every reading of the long cut (data/energy/SOURCE.md)');
      assert.deepEqual(await loadsOf(fromWide.db), longLoads);
    });

    it('a missing half-hour halves the hour’s completeness and its energy, not its mean load', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const file = await store.write(
        'north_demand.csv',
        'datetime,demand_mw\n2016-01-01T00:00:00Z,100\n2016-01-01T00:30:00Z,120\n2016-01-01T01:00:00Z,90\n',
      );
      const run = await runPipeline(store, energyLoad, { ...base, sources: [file] });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      const online = new OnlineStore(store.db);
      const full = (
        await online.latest('zone_energy_hourly', ['north'], new Date('2016-01-01T00:00:00Z'))
      ).get('north')!;
      assert.deepEqual(full.values, { load_kw: 110_000, energy_kwh: 110_000, completeness: 1, temp_c: null });
      const half = (await online.latest('zone_energy_hourly', ['north'])).get('north')!;
      assert.equal(half.asOf.toISOString(), '2016-01-01T01:00:00.000Z');
      assert.deepEqual(half.values, { load_kw: 90_000, energy_kwh: 45_000, completeness: 0.5, temp_c: null });
    });

    it('converts a unit column and quarantines negative load, a malformed zone id and a repeated interval', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const rows = [
        ...Array.from(
          { length: 19 },
          (_, h) => `z1,2016-01-01T${String(h).padStart(2, '0')}:00:00Z,${1000 + h},W`,
        ),
        'z1,2016-01-01T19:00:00Z,0.002,MW',
        'z1,2016-01-01T19:00:00Z,2,kW',
        'z2,2016-01-01T00:00:00Z,-5,kW',
        'zone 3,2016-01-01T00:00:00Z,5,kW',
      ];
      const file = await store.write('units.csv', `zone_id,datetime,load,unit\n${rows.join('\n')}\n`);
      const run = await runPipeline(store, energyLoad, { ...base, sources: [file] });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.deepEqual(run.quarantine, {
        'pattern:zone_id': 1,
        'range:load': 1,
        'unique:zone_id+datetime': 1,
      });
      const z1 = await new OnlineStore(store.db).range(
        'zone_energy_hourly',
        ['z1'],
        new Date('2016-01-01T18:00:00Z'),
        new Date('2016-01-02T00:00:00Z'),
      );
      assert.equal(z1.length, 2);
      assert.ok(Math.abs(z1[0]!.values['load_kw']! - 1.018) < 1e-9, '1,018 W is 1.018 kW');
      assert.equal(
        z1[1]!.values['load_kw'],
        2,
        '0.002 MW is 2 kW; the repeated 19:00 row is the one quarantined',
      );
    });

    it('EXPECTED FAILURE - a renamed column is refused whole (ETL_SCHEMA_MISMATCH)', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const renamed = await store.write(
        'renamed.csv',
        'zone_id,timestamp,load_kw\nz1,2016-01-01T00:00:00Z,5\n',
      );
      const run = await runPipeline(store, energyLoad, { ...base, sources: [renamed] });
      assert.equal(run.status, 'failed');
      assert.equal(run.error?.code, 'ETL_SCHEMA_MISMATCH');
      assert.match(run.error.message, /missing column datetime/);
      const unitless = await store.write(
        'unitless.csv',
        'zone_id,datetime,load\nz1,2016-01-01T00:00:00Z,5\n',
      );
      const second = await runPipeline(store, energyLoad, { ...base, sources: [unitless] });
      assert.equal(second.error?.code, 'ETL_SCHEMA_MISMATCH', 'a load without a unit is not guessed');
    });

    it('a re-delivered file is a duplicate', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const text = 'zone_id,datetime,load_kw\nz1,2016-01-01T00:00:00Z,5\nz1,2016-01-01T01:00:00Z,6\n';
      await assertRedeliveryIsDuplicate(store, energyLoad, text, ['a.csv', 'b.csv']);
    });
  });
});
