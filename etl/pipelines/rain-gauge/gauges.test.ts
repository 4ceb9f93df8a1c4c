import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { distanceM, readStations } from './gauges.ts';

describe('distanceM', () => {
  it('gives a degree of latitude as 111.2 km and is symmetric', () => {
    const d = distanceM({ lat: -8, lon: -34.85 }, { lat: -7, lon: -34.85 });
    assert.ok(Math.abs(d - 111_195) < 1, String(d));
    assert.equal(
      distanceM({ lat: 1, lon: 2 }, { lat: 3, lon: 4 }),
      distanceM({ lat: 3, lon: 4 }, { lat: 1, lon: 2 }),
    );
  });
});

describe('readStations', () => {
  it('reads the committed stations and ignores extra columns', async () => {
    const stations = await readStations(
      path.resolve(import.meta.dirname, '../../../data/rainfall/olinda_gauge_stations.csv'),
    );
    assert.equal(stations.length, 7);
    assert.deepEqual(Object.keys(stations[0]!), ['station', 'lat', 'lon']);
  });

  it('EXPECTED FAILURE - a station listed twice or off the globe is refused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'stations-'));
    try {
      const twice = path.join(dir, 'twice.csv');
      await writeFile(twice, 'station,lat,lon\nA,-8,-34.8\nA,-8.1,-34.8\n');
      await assert.rejects(readStations(twice), /A listed twice/);
      const off = path.join(dir, 'off.csv');
      await writeFile(off, 'station,lat,lon\nA,-98,-34.8\n');
      await assert.rejects(readStations(off), { code: 'ETL_FORMAT' });
      const renamed = path.join(dir, 'renamed.csv');
      await writeFile(renamed, 'id,lat,lon\nA,-8,-34.8\n');
      await assert.rejects(readStations(renamed), { code: 'ETL_SCHEMA_MISMATCH' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
