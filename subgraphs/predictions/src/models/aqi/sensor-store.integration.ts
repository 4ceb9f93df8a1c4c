import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { migrate, onEachDatabase, openDatabase } from '@cityassist/db';
import { pipelineOf, runPipeline } from '@cityassist/etl';
import { FolderOfflineStore, migrateFeatureStore } from '@cityassist/feature-store';
import { parseSensors, SensorStore } from './sensor-store.ts';
import { distanceKm } from './zone-sensors.ts';

const MIGRATIONS = path.join(import.meta.dirname, '../../migrations');
const SENSORS =
  'sensor_id,zone_id,neighbourhood,lat,lon\ns1,z1,"Caixa D\'Água, alta",-7.99,-34.90\ns2,,Centro,-8.0,-34.85\n';
// OpenAQ's long format, as the air-quality pipeline reads it.
const READINGS =
  'location_id,datetime,parameter,value,unit\ns1,2015-12-31T22:00:00Z,pm25,4.5,µg/m³\ns1,2015-12-31T23:00:00Z,pm25,5,µg/m³\ns2,2015-12-31T21:00:00Z,pm25,7,µg/m³\n';

describe('sensor registry file', () => {
  it('reads quoted neighbourhoods and an empty zone as null', () => {
    assert.deepEqual(parseSensors(SENSORS)[0], {
      sensor_id: 's1',
      zone_id: 'z1',
      neighbourhood: "Caixa D'Água, alta",
      lat: -7.99,
      lon: -34.9,
    });
    assert.equal(parseSensors(SENSORS)[1]!.zone_id, null);
  });

  it('EXPECTED FAILURE - a sensor without a valid position is refused', () => {
    assert.throws(
      () => parseSensors('sensor_id,zone_id,neighbourhood,lat,lon\ns1,,x,95,0\n', 's.csv'),
      /s.csv:2/,
    );
  });

  it('measures great-circle distances (1° of latitude ≈ 111.2 km)', () => {
    assert.ok(Math.abs(distanceKm(-8, -34.9, -7, -34.9) - 111.2) < 0.1);
    assert.equal(distanceKm(-8, -34.9, -8, -34.9), 0);
  });
});

onEachDatabase((label, open) => {
  describe(`SensorStore on ${label}`, () => {
    it('reads the hourly series the air-quality pipeline loaded, each sensor its own window; a pushed reading replaces the hour', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      const db = await openDatabase(cfg);
      try {
        await migrateFeatureStore(db);
        await migrate(db, { dir: MIGRATIONS, schema: 'predictions' });
        const store = new SensorStore(db);
        const dir = await mkdtemp(path.join(tmpdir(), 'sensors-'));
        await writeFile(path.join(dir, 'sensors.csv'), SENSORS);
        await writeFile(path.join(dir, 'readings.csv'), READINGS);
        assert.deepEqual(await store.loadSensors(path.join(dir, 'sensors.csv')), { sensors: 2, loaded: true });
        assert.deepEqual(await store.loadSensors(path.join(dir, 'sensors.csv')), { sensors: 2, loaded: false });
        const run = await runPipeline(
          { db, offline: new FolderOfflineStore(path.join(dir, 'offline')), tempDir: path.join(dir, 'tmp'), repoRoot: dir },
          pipelineOf('air-quality'),
          { sources: [path.join(dir, 'readings.csv')], trigger: 'test', requestedBy: 'test' },
        );
        assert.equal(run.status, 'succeeded', JSON.stringify(run));
        assert.deepEqual(
          (await store.sensors()).map((s) => s.id),
          ['s1', 's2'],
        );
        // Each sensor's own newest, in one query; s3 is unknown and s2 has no no2.
        assert.deepEqual(
          [...(await store.newest(['s1', 's2', 's3'], 'pm25'))]
            .map(([id, at]) => [id, at.toISOString()])
            .sort(),
          [
            ['s1', '2015-12-31T23:00:00.000Z'],
            ['s2', '2015-12-31T21:00:00.000Z'],
          ],
        );
        assert.equal((await store.newest(['s1', 's2'], 'no2')).size, 0);
        assert.equal((await store.newest([], 'pm25')).size, 0);
        await store.write(
          [{ sensorId: 's1', parameter: 'pm25', at: new Date('2015-12-31T23:00:00Z'), value: 9 }],
          'api',
        );
        // Each sensor its own window, in one query.
        const got = await store.readings(
          [
            { sensorId: 's1', from: new Date('2015-12-31T21:30:00Z'), to: new Date('2016-01-01T00:00:00Z') },
            { sensorId: 's2', from: new Date('2015-12-31T21:30:00Z'), to: new Date('2016-01-01T00:00:00Z') },
            { sensorId: 's3', from: new Date('2015-12-31T00:00:00Z'), to: new Date('2016-01-01T00:00:00Z') },
          ],
          'pm25',
        );
        assert.deepEqual(
          got.get('s1')!.map((r) => r.value),
          [4.5, 9],
        );
        assert.deepEqual(got.get('s2'), [], 's2 read only before its window');
        assert.deepEqual(got.get('s3'), []);
        const own = await store.readings(
          [
            { sensorId: 's1', from: new Date('2015-12-31T22:30:00Z'), to: new Date('2016-01-01T00:00:00Z') },
            { sensorId: 's2', from: new Date('2015-12-31T20:30:00Z'), to: new Date('2015-12-31T21:30:00Z') },
          ],
          'pm25',
        );
        assert.deepEqual(
          [...own].map(([id, rs]) => [id, rs.map((r) => r.value)]).sort(),
          [
            ['s1', [9]],
            ['s2', [7]],
          ],
          'different windows for different sensors',
        );
        assert.equal((await store.readings([], 'pm25')).size, 0);
        // A pushed pm10 reading (snapped to 23:00) joins the hour's pm25 instead of replacing it.
        await store.write(
          [{ sensorId: 's1', parameter: 'pm10', at: new Date('2015-12-31T22:50:00Z'), value: 20 }],
          'api',
        );
        const both = await store.readings(
          [{ sensorId: 's1', from: new Date('2015-12-31T23:00:00Z'), to: new Date('2016-01-01T00:00:00Z') }],
          'pm25',
        );
        assert.deepEqual(both.get('s1')!.map((r) => r.value), [9]);
        assert.equal((await store.newest(['s1'], 'pm10')).get('s1')?.toISOString(), '2015-12-31T23:00:00.000Z');
      } finally {
        await db.close();
      }
    });
  });
});
