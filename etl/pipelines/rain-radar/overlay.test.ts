import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadZoneFeatures } from '@cityassist/geo';
import type { MultiPolygon, Polygon } from 'geojson';
import { RadarError, type RadarErrorCode } from './errors.ts';
import { overlayWeights, zoneHourlyRain, type OverlayWeights, type ZoneInput } from './overlay.ts';
import { readRadar, type RadarGrid } from './radar.ts';
import { tinyGrid, writeNetcdf } from './testing.ts';

const DATA = path.resolve(import.meta.dirname, '../../../data/rainfall');

/** A lon/lat rectangle as a GeoJSON polygon. */
function box(lon0: number, lon1: number, lat0: number, lat1: number): Polygon {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [lon0, lat0],
        [lon1, lat0],
        [lon1, lat1],
        [lon0, lat1],
        [lon0, lat0],
      ],
    ],
  };
}

/** Area of a lon/lat rectangle on the sphere, up to a constant factor (the equal-area truth). */
function sphereArea(lon0: number, lon1: number, lat0: number, lat1: number): number {
  const r = Math.PI / 180;
  return (lon1 - lon0) * (Math.sin(lat1 * r) - Math.sin(lat0 * r));
}

function close(actual: number | null, expected: number, what: string, tol = 1e-9): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= tol, `${what}: ${actual} is not ${expected}`);
}

function weightsOf(w: OverlayWeights, id: string): Map<number, number> {
  const z = w.zones.find((x) => x.zoneId === id)!;
  return new Map(z.cells.map((c) => [c.cell, c.weight]));
}

function refuses(code: RadarErrorCode, run: () => unknown, message: RegExp): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof RadarError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

// Six cells of 0.01 degree near Olinda: edges at lon -34.91/-34.90/-34.89/-34.88, lat -8.01/-8.00/-7.99.
//   row 0 (lat -8.01..-8.00): cells 0 1 2      row 1 (lat -8.00..-7.99): cells 3 4 5
const hand = readRadar(
  tinyGrid({
    lat: [-8.005, -7.995],
    lon: [-34.905, -34.895, -34.885],
    fields: [
      [
        [10, 20, 30],
        [40, 50, 60],
      ],
      [
        [1, 2, 3],
        [4, NaN, 6],
      ],
    ],
  }),
  'hand.nc',
);

const handZones: ZoneInput[] = [
  // 30% in cell 0, 70% in cell 1 (one latitude band, so the split is exact in longitude).
  { id: 'straddle', polygon: box(-34.903, -34.893, -8.008, -8.002) },
  // Half east of the grid's last edge at -34.88.
  { id: 'half-out', polygon: box(-34.885, -34.875, -8.008, -8.002) },
  // Half in cell 3, half in cell 4, which is missing in the second hour.
  { id: 'half-missing', polygon: box(-34.905, -34.895, -7.998, -7.992) },
  { id: 'all-missing', polygon: box(-34.899, -34.891, -7.998, -7.992) },
  {
    id: 'two-parts',
    polygon: {
      type: 'MultiPolygon',
      coordinates: [
        box(-34.909, -34.901, -8.009, -8.001).coordinates,
        box(-34.889, -34.881, -7.999, -7.991).coordinates,
      ],
    } satisfies MultiPolygon,
  },
  {
    // Straddles cells 0 and 1 half and half, with a hole inside the cell-0 half.
    id: 'holed',
    polygon: {
      type: 'Polygon',
      coordinates: [
        box(-34.905, -34.895, -8.008, -8.002).coordinates[0]!,
        box(-34.904, -34.901, -8.007, -8.003).coordinates[0]!,
      ],
    },
  },
];

describe('overlayWeights and zoneHourlyRain: a hand-made grid where the answer is known', () => {
  const w = overlayWeights(hand, handZones);
  const rows = zoneHourlyRain(hand, w);
  const row = (id: string, hour: number) =>
    rows.find((r) => r.zone_id === id && r.hour === hand.times[hour]!.toISOString())!;

  it('splits a zone straddling two cells 30/70 and weights the mean by area', () => {
    const ws = weightsOf(w, 'straddle');
    assert.deepEqual([...ws.keys()].sort(), [0, 1]);
    close(ws.get(0)!, 0.3, 'weight of cell 0');
    close(ws.get(1)!, 0.7, 'weight of cell 1');
    close(row('straddle', 0).rain_mm, 0.3 * 10 + 0.7 * 20, 'hour 1');
    close(row('straddle', 1).rain_mm, 0.3 * 1 + 0.7 * 2, 'hour 2');
    close(row('straddle', 0).coverage, 1, 'coverage');
  });

  it('reports a zone half outside the grid with coverage 0.5 and the mean over its covered half', () => {
    close(row('half-out', 0).coverage, 0.5, 'coverage');
    close(row('half-out', 0).rain_mm, 30, 'rain');
    assert.equal(row('half-out', 0).missing_share, 0);
  });

  it('leaves a missing cell out of the mean and reports its share', () => {
    close(row('half-missing', 0).rain_mm, 45, 'both cells seen');
    close(row('half-missing', 1).rain_mm, 4, 'only cell 3 seen');
    close(row('half-missing', 1).missing_share, 0.5, 'missing share');
    assert.equal(row('all-missing', 1).rain_mm, null, 'nothing seen is not zero rain');
    assert.equal(row('all-missing', 1).missing_share, 1);
    close(row('all-missing', 0).rain_mm, 50, 'seen in hour 1');
  });

  it('measures area on the sphere: two equal-degree parts in different latitude bands weigh by true area', () => {
    const a0 = sphereArea(-34.909, -34.901, -8.009, -8.001);
    const a5 = sphereArea(-34.889, -34.881, -7.999, -7.991);
    const ws = weightsOf(w, 'two-parts');
    close(ws.get(0)!, a0 / (a0 + a5), 'part in cell 0', 1e-7);
    close(ws.get(5)!, a5 / (a0 + a5), 'part in cell 5', 1e-7);
    close(row('two-parts', 0).rain_mm, (10 * a0 + 60 * a5) / (a0 + a5), 'rain', 1e-6);
  });

  it('subtracts a hole from the zone and from the cell it falls in', () => {
    const hole = sphereArea(-34.904, -34.901, -8.007, -8.003);
    const half = sphereArea(-34.905, -34.9, -8.008, -8.002);
    const ws = weightsOf(w, 'holed');
    close(ws.get(0)!, (half - hole) / (2 * half - hole), 'cell 0', 1e-7);
    close(ws.get(1)!, half / (2 * half - hole), 'cell 1', 1e-7);
  });

  it('gives one row per zone and hour, hours as the ISO start of the hour', () => {
    assert.equal(rows.length, handZones.length * 2);
    assert.deepEqual(
      rows.slice(0, 2).map((r) => r.hour),
      ['2015-03-14T00:00:00.000Z', '2015-03-14T01:00:00.000Z'],
    );
  });

  it('lines up a grid stored in 0..360 longitudes with zones in -180..180', () => {
    const east = readRadar(
      tinyGrid({
        lat: [-8.005, -7.995],
        lon: [325.095, 325.105, 325.115],
        fields: [
          [
            [10, 20, 30],
            [40, 50, 60],
          ],
        ],
      }),
    );
    const ws = weightsOf(overlayWeights(east, handZones.slice(0, 1)), 'straddle');
    close(ws.get(0)!, 0.3, 'cell 0', 1e-7);
  });
});

describe('overlayWeights: a rotated (curvilinear) grid like Stage IV', () => {
  // 4 x 4 cells of ~1.1 km, turned 25 degrees, centred on Olinda, with 2-D lat/lon as Stage IV has.
  const n = 4;
  const step = 0.01;
  const turn = (25 * Math.PI) / 180;
  const lat: number[] = [];
  const lon: number[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const u = (c - (n - 1) / 2) * step;
      const v = (r - (n - 1) / 2) * step;
      lat.push(-8 + u * Math.sin(turn) + v * Math.cos(turn));
      lon.push(-34.87 + (u * Math.cos(turn) - v * Math.sin(turn)) / Math.cos((8 * Math.PI) / 180));
    }
  }
  const grid = readRadar(
    writeNetcdf({
      dims: [
        { name: 'time', size: 1 },
        { name: 'y', size: n },
        { name: 'x', size: n },
      ],
      vars: [
        {
          name: 'time',
          dims: ['time'],
          type: 'double',
          attrs: { units: 'hours since 2015-03-15' },
          data: [16],
        },
        { name: 'lat', dims: ['y', 'x'], type: 'double', attrs: { units: 'degrees_north' }, data: lat },
        { name: 'lon', dims: ['y', 'x'], type: 'double', attrs: { units: 'degrees_east' }, data: lon },
        {
          name: 'Total_precipitation_surface_1_Hour_Accumulation',
          dims: ['time', 'y', 'x'],
          type: 'float',
          attrs: { units: 'kg m^-2', coordinates: 'time lat lon' },
          data: Array.from({ length: n * n }, (_, i) => i),
        },
      ],
    }),
  );

  it('puts a small zone around a cell centre wholly in that cell', () => {
    const i = 1 * n + 2;
    const d = 0.001;
    const w = overlayWeights(grid, [
      { id: 'z', polygon: box(lon[i]! - d, lon[i]! + d, lat[i]! - d, lat[i]! + d) },
    ]);
    assert.deepEqual(w.zones[0]!.cells, [{ cell: i, weight: 1 }]);
  });

  it('tiles without gaps or overlaps: a zone across many cells sums to coverage 1', () => {
    const w = overlayWeights(grid, [{ id: 'z', polygon: box(-34.881, -34.861, -8.009, -7.991) }]);
    assert.ok(w.zones[0]!.cells.length >= 6);
    close(w.zones[0]!.coverage, 1, 'coverage', 1e-9);
    const rain = zoneHourlyRain(grid, w)[0]!.rain_mm!;
    assert.ok(rain > 0 && rain < n * n - 1);
  });
});

describe('overlayWeights on Olinda: the real tracts', async () => {
  const zones: ZoneInput[] = (await loadZoneFeatures()).map((f) => ({
    id: f.properties.id,
    polygon: f.geometry,
  }));
  const areas = new Map((await loadZoneFeatures()).map((f) => [f.properties.id, f.properties.areaKm2]));

  it('EXPECTED FAILURE - the real Stage IV file is over North Carolina, not Olinda', () => {
    const florence = readRadar(
      readFileSync(path.join(DATA, 'stageiv_florence_2018.nc')),
      'stageiv_florence_2018.nc',
    );
    refuses(
      'RADAR_GRID_MISMATCH',
      () => overlayWeights(florence, zones),
      /^stageiv_florence_2018\.nc: the radar grid \(lon -80\.6\d\d…-74\.8\d\d, lat 32\.4\d\d…37\.6\d\d\) covers 0\.0% of the zones' area \(470 zones, 0 touched, lon -34\.917…-34\.828, lat -8\.044…-7\.955\)/,
    );
  });

  it('covers all 470 tracts with the transplanted file: 470 x 23 rows, coverage 1', () => {
    const grid: RadarGrid = readRadar(
      readFileSync(path.join(DATA, 'olinda_radar_sim.nc')),
      'olinda_radar_sim.nc',
    );
    const t0 = performance.now();
    const w = overlayWeights(grid, zones);
    const ms = performance.now() - t0;
    const rows = zoneHourlyRain(grid, w);
    const pairs = w.zones.reduce((s, z) => s + z.cells.length, 0);
    console.log(
      `overlay weights: ${zones.length} zones x ${w.candidateCells} candidate cells -> ${pairs} pairs in ${ms.toFixed(0)} ms; ` +
        `hourly rain for ${rows.length} rows in ${(performance.now() - t0 - ms).toFixed(0)} ms`,
    );
    assert.equal(w.zones.length, 470);
    assert.equal(rows.length, 470 * 23);
    for (const z of w.zones) close(z.coverage, 1, `coverage of ${z.zoneId}`, 1e-9);
    assert.ok(rows.every((r) => r.rain_mm !== null && r.rain_mm >= 0 && r.missing_share === 0));
    assert.equal(new Set(rows.map((r) => r.hour)).size, 23);
    assert.equal(rows.at(-1)!.hour, '2015-03-15T15:00:00.000Z');
    // The areas agree with the UTM areas computed when the zones were prepared: the median ratio is
    // 0.99976 (UTM's scale there is 1.00012), the spread is the 5-decimal rounding of tiny tracts' km².
    for (const z of w.zones) close(z.areaKm2 / areas.get(z.zoneId)!, 1, `area of ${z.zoneId}`, 2e-3);
  });
});

describe('overlayWeights and zoneHourlyRain: EXPECTED FAILURES', () => {
  it('EXPECTED FAILURE - a grid that covers less than minCoveredShare of the zones', () => {
    const zones = [handZones[0]!, { id: 'far', polygon: box(-34.803, -34.793, -8.008, -8.002) }];
    assert.equal(overlayWeights(hand, zones).coveredShare, 0.5);
    refuses(
      'RADAR_GRID_MISMATCH',
      () => overlayWeights(hand, zones, { minCoveredShare: 0.6 }),
      /covers 50\.0% .* at least 60% is needed/,
    );
  });

  it('EXPECTED FAILURE - weights made for another grid', () => {
    const w = overlayWeights(hand, handZones);
    const other = readRadar(
      tinyGrid({
        lat: [-8.005, -7.995],
        lon: [-34.9, -34.89, -34.88],
        fields: [
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
        ],
      }),
      'other.nc',
    );
    refuses(
      'RADAR_GRID_MISMATCH',
      () => zoneHourlyRain(other, w),
      /^other\.nc: the overlay weights were made for grid 2x3:/,
    );
  });

  it('EXPECTED FAILURE - no zones, a repeated zone, a zone with no area', () => {
    refuses('RADAR_ZONES_INVALID', () => overlayWeights(hand, []), /no zones/);
    refuses(
      'RADAR_ZONES_INVALID',
      () => overlayWeights(hand, [handZones[0]!, handZones[0]!]),
      /zone straddle appears twice/,
    );
    const flat = box(-34.9, -34.9, -8.005, -8.0);
    refuses(
      'RADAR_ZONES_INVALID',
      () => overlayWeights(hand, [{ id: 'flat', polygon: flat }]),
      /zone flat has no area/,
    );
  });
});
