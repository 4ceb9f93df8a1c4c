import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { distanceM, readStations, zoneGaugeDistances, type Station } from './gauges.ts';
import { rainGaugeOptionsOf } from './settings.ts';

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

describe('zoneGaugeDistances', () => {
  // A per-zone network: one gauge on each of 470 centroids, 0.01° (~1.1 km) apart on a line.
  const zones = Array.from({ length: 470 }, (_, i) => ({ zoneId: `z${i}`, lat: -8, lon: -34.9 + i * 0.01 }));
  const gauges: Station[] = zones.map((z) => ({ station: `g${z.zoneId}`, lat: z.lat, lon: z.lon }));

  it('EXPECTED FAILURE - pairs each zone only with the gauges it can read, not with every gauge', () => {
    // Every zone against every gauge was 470 × 470 = 220,900 pairs, joined with every hour.
    const own = zoneGaugeDistances(zones, gauges, 0, 0);
    assert.equal(own.length, 470);
    assert.ok(own.every((p) => p.station === `g${p.zoneId}` && p.distanceM === 0));
  });

  it('keeps the gauges within the radius, then the nearest fallbacks beyond it, nearest first', () => {
    const pairs = zoneGaugeDistances(zones, gauges, 1500, 2).filter((p) => p.zoneId === 'z10');
    assert.deepEqual(
      pairs.map((p) => p.station),
      ['gz10', 'gz11', 'gz9', 'gz12', 'gz8'],
    );
    assert.ok(pairs[1]!.distanceM < 1500 && pairs[3]!.distanceM > 1500);
  });

  it('gives a zone beyond every radius only its fallbacks', () => {
    const far = zoneGaugeDistances([{ zoneId: 'far', lat: 10, lon: 10 }], gauges, 2000, 1);
    assert.equal(far.length, 1);
    assert.equal(far[0]!.station, 'gz469');
  });
});

describe('rain-gauge settings', () => {
  it('defaults to the committed Olinda network', () => {
    assert.deepEqual(rainGaugeOptionsOf({}), {
      stations: 'data/rainfall/olinda_gauge_stations.csv',
      radiusM: 2000,
      fallback: 3,
    });
    assert.equal(rainGaugeOptionsOf({ ETL_RAIN_GAUGE_RADIUS_M: '0' }).radiusM, 0);
  });

  it('EXPECTED FAILURE - refuses a negative radius or a fractional fallback, naming the setting', () => {
    assert.throws(() => rainGaugeOptionsOf({ ETL_RAIN_GAUGE_RADIUS_M: '-1' }), /ETL_RAIN_GAUGE_RADIUS_M/);
    assert.throws(() => rainGaugeOptionsOf({ ETL_RAIN_GAUGE_FALLBACK: '1.5' }), /ETL_RAIN_GAUGE_FALLBACK/);
    assert.throws(() => rainGaugeOptionsOf({ ETL_RAIN_GAUGE_RADIUS_M: 'far' }), /ETL_RAIN_GAUGE_RADIUS_M/);
  });
});
