import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RadarError, type RadarErrorCode } from './errors.ts';
import { readRadar } from './radar.ts';
import { tinyGrid, writeNetcdf, type NcVar } from './testing.ts';

const DATA = path.resolve(import.meta.dirname, '../../../data/rainfall');
const STAGE_IV = path.join(DATA, 'stageiv_florence_2018.nc');
const OLINDA = path.join(DATA, 'olinda_radar_sim.nc');

function maxOf(values: Float32Array): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m;
}

function refuses(code: RadarErrorCode, bytes: Uint8Array, message: RegExp, options = {}): RadarError {
  let caught: unknown;
  try {
    readRadar(bytes, 'feed/radar.nc', options);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof RadarError, `expected a RadarError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, /^feed\/radar\.nc: /, 'the message names the file');
  assert.match(caught.message, message);
  return caught;
}

const LAT = [-8.005, -7.995];
const LON = [-34.905, -34.895, -34.885];
const FIELD = [
  [
    [0, 1, 2],
    [3, 4, 5],
  ],
  [
    [6, 7, 8],
    [9, 10, 11],
  ],
];

describe('readRadar: the real NOAA Stage IV file (Hurricane Florence)', () => {
  const grid = readRadar(readFileSync(STAGE_IV), STAGE_IV);

  it('has 23 hours of 118 x 87 cells on a curvilinear grid over North Carolina', () => {
    assert.equal(grid.variable, 'Total_precipitation_surface_1_Hour_Accumulation');
    assert.equal(grid.units, 'kg m^-2');
    assert.equal(grid.geometry, 'curvilinear');
    assert.deepEqual([grid.times.length, grid.ny, grid.nx], [23, 118, 87]);
    assert.equal(grid.values.length, 23 * 118 * 87);
    const lats = Array.from(grid.lat);
    const lons = Array.from(grid.lon);
    assert.ok(Math.min(...lats) > 32.4 && Math.max(...lats) < 37.7);
    assert.ok(Math.min(...lons) > -80.7 && Math.max(...lons) < -74.8);
  });

  it('stamps each hour by its start: the file marks ends from 2018-09-13T19:00Z', () => {
    assert.equal(grid.times[0]!.toISOString(), '2018-09-13T18:00:00.000Z');
    assert.equal(grid.times.at(-1)!.toISOString(), '2018-09-14T16:00:00.000Z');
    grid.times.forEach(
      (t, k) => k > 0 && assert.equal(t.getTime() - grid.times[k - 1]!.getTime(), 3_600_000),
    );
  });

  it('peaks at 163.75 mm in one hour, with no missing cells', () => {
    assert.ok(Math.abs(maxOf(grid.values) - 163.8) < 0.1);
    assert.equal(grid.missingCount, 0);
  });
});

describe('readRadar: the transplanted Olinda file (SIMULATED place and time)', () => {
  const grid = readRadar(readFileSync(OLINDA), OLINDA);

  it('is a regular 12 x 12 grid around Olinda whose last hour ends at the snapshot time', () => {
    assert.equal(grid.variable, 'precipitation', 'found by its standard_name');
    assert.equal(grid.geometry, 'rectilinear');
    assert.deepEqual([grid.times.length, grid.ny, grid.nx], [23, 12, 12]);
    assert.equal(grid.times.at(-1)!.toISOString(), '2015-03-15T15:00:00.000Z');
    const midLat = (grid.lat[0]! + grid.lat[grid.lat.length - 1]!) / 2;
    const midLon = (grid.lon[0]! + grid.lon[grid.lon.length - 1]!) / 2;
    assert.ok(Math.abs(midLat + 8.0) < 0.01 && Math.abs(midLon + 34.87) < 0.01);
  });

  it('holds the real Stage IV values of the block its attributes name', () => {
    const stageIv = readRadar(readFileSync(STAGE_IV), STAGE_IV);
    const text = new TextDecoder('latin1').decode(readFileSync(OLINDA).subarray(0, 4000));
    const [, y0, x0] = /cells y (\d+)\.\.\d+, x (\d+)\.\./.exec(text)!.map(Number);
    for (let t = 0; t < 23; t++) {
      for (let r = 0; r < 12; r++) {
        for (let c = 0; c < 12; c++) {
          const want = stageIv.values[t * 118 * 87 + (y0! + r) * 87 + x0! + c];
          assert.equal(grid.values[t * 144 + r * 12 + c], want);
        }
      }
    }
  });
});

describe('readRadar: CF conventions it follows', () => {
  it('reads an unlimited (record) time dimension the same as a fixed one', () => {
    const fixed = readRadar(tinyGrid({ lat: LAT, lon: LON, fields: FIELD }));
    const record = readRadar(tinyGrid({ lat: LAT, lon: LON, fields: FIELD, unlimited: true }));
    assert.deepEqual(record.values, fixed.values);
    assert.deepEqual(record.times, fixed.times);
    assert.deepEqual(Array.from(fixed.values), FIELD.flat(2));
    assert.deepEqual(Array.from(fixed.lat), [-8.005, -8.005, -8.005, -7.995, -7.995, -7.995]);
  });

  it('marks _FillValue, missing_value, NaN and negative values as missing, never as zero', () => {
    const g = readRadar(
      tinyGrid({
        lat: LAT,
        lon: LON,
        fields: [
          [
            [NaN, -5, 2],
            [3, 4, -1],
          ],
        ],
        attrs: { missing_value: 4 },
        fill: -9999,
      }),
    );
    assert.deepEqual(Array.from(g.values), [NaN, NaN, 2, 3, NaN, NaN]);
    assert.equal(g.missingCount, 4);
  });

  it('treats NaN itself as missing when the fill value is NaN (as Stage IV declares it)', () => {
    const g = readRadar(
      tinyGrid({
        lat: LAT,
        lon: LON,
        fields: [
          [
            [NaN, 1, 2],
            [3, 4, 5],
          ],
        ],
        fill: NaN,
      }),
    );
    assert.ok(Number.isNaN(g.values[0]));
    assert.equal(g.missingCount, 1);
  });

  it('unpacks short data with scale_factor and add_offset, and honours valid_max', () => {
    const bytes = writeNetcdf({
      dims: [
        { name: 'time', size: 1 },
        { name: 'lat', size: 2 },
        { name: 'lon', size: 2 },
      ],
      vars: [
        { name: 'time', dims: ['time'], type: 'int', attrs: { units: 'hours since 2015-03-15' }, data: [16] },
        { name: 'lat', dims: ['lat'], type: 'float', attrs: { units: 'degrees_north' }, data: LAT },
        {
          name: 'lon',
          dims: ['lon'],
          type: 'float',
          attrs: { units: 'degrees_east' },
          data: LON.slice(0, 2),
        },
        {
          name: 'rain',
          dims: ['time', 'lat', 'lon'],
          type: 'short',
          attrs: { units: 'mm', scale_factor: { type: 'float', value: 0.5 }, add_offset: 1, valid_max: 1000 },
          data: [0, 3, 1000, 1001],
        },
      ],
    });
    const g = readRadar(bytes);
    assert.deepEqual(Array.from(g.values), [1, 2.5, 501, NaN]);
    assert.equal(g.times[0]!.toISOString(), '2015-03-15T15:00:00.000Z');
  });

  it('takes the hour from time bounds when the file has them, else from timeMarks', () => {
    const bounded = readRadar(readFileSync(OLINDA));
    assert.equal(bounded.times[0]!.toISOString(), '2015-03-14T17:00:00.000Z');
    const bytes = tinyGrid({ lat: LAT, lon: LON, fields: FIELD, hours: [10, 11] });
    assert.equal(readRadar(bytes).times[0]!.toISOString(), '2015-03-14T09:00:00.000Z');
    assert.equal(
      readRadar(bytes, 'x', { timeMarks: 'start' }).times[0]!.toISOString(),
      '2015-03-14T10:00:00.000Z',
    );
  });

  it('parses the time units real files use: singular, capitalised, seconds, time zones', () => {
    const first = (timeUnits: string, hours: number[]): string =>
      readRadar(tinyGrid({ lat: LAT, lon: LON, fields: FIELD, hours, timeUnits })).times[0]!.toISOString();
    assert.equal(first('Hour since 2001-12-31T23:00:00Z', [146396, 146397]), '2018-09-13T18:00:00.000Z');
    assert.equal(first('seconds since 1970-01-01 00:00:00', [3600, 7200]), '1970-01-01T00:00:00.000Z');
    assert.equal(first('minutes since 2015-03-14 00:00 -03:00', [60, 120]), '2015-03-14T03:00:00.000Z');
    assert.equal(first('days since 2015-03-14', [1, 1 + 1 / 24]), '2015-03-14T23:00:00.000Z');
  });

  it('accepts mm and the spellings of kg m-2, and a configured variable name', () => {
    for (const units of ['mm', 'millimetres', 'kg m-2', 'kg m^-2', 'kg/m2', 'kg m**-2', 'kg.m-2']) {
      assert.equal(readRadar(tinyGrid({ lat: LAT, lon: LON, fields: FIELD, units })).units, units);
    }
    const bytes = tinyGrid({ lat: LAT, lon: LON, fields: FIELD, name: 'qpe_01h', units: 'mm' });
    assert.equal(readRadar(bytes, 'x', { variable: 'qpe_01h' }).variable, 'qpe_01h');
  });

  it('reads a single-hour file whose time is a scalar coordinate', () => {
    const bytes = writeNetcdf({
      dims: [
        { name: 'lat', size: 2 },
        { name: 'lon', size: 2 },
      ],
      vars: [
        {
          name: 'time',
          dims: [],
          type: 'double',
          attrs: { units: 'hours since 2015-03-15 00:00' },
          data: [16],
        },
        { name: 'lat', dims: ['lat'], type: 'double', attrs: { units: 'degrees_north' }, data: LAT },
        {
          name: 'lon',
          dims: ['lon'],
          type: 'double',
          attrs: { units: 'degrees_east' },
          data: LON.slice(0, 2),
        },
        {
          name: 'rain',
          dims: ['lat', 'lon'],
          type: 'float',
          attrs: { units: 'mm', coordinates: 'time lat lon' },
          data: [1, 2, 3, 4],
        },
      ],
    });
    const g = readRadar(bytes);
    assert.deepEqual(
      g.times.map((t) => t.toISOString()),
      ['2015-03-15T15:00:00.000Z'],
    );
    assert.deepEqual(Array.from(g.values), [1, 2, 3, 4]);
  });

  it('reads a grid stored as (time, lon, lat) into the same rows and columns', () => {
    const vars = (dims: string[], data: number[]): NcVar[] => [
      { name: 'time', dims: ['time'], type: 'double', attrs: { units: 'hours since 2015-03-14' }, data: [1] },
      { name: 'lat', dims: ['lat'], type: 'double', attrs: { units: 'degrees_north' }, data: LAT },
      { name: 'lon', dims: ['lon'], type: 'double', attrs: { units: 'degrees_east' }, data: LON },
      { name: 'p', dims, type: 'float', attrs: { units: 'mm', standard_name: 'precipitation_amount' }, data },
    ];
    const dims = [
      { name: 'time', size: 1 },
      { name: 'lat', size: 2 },
      { name: 'lon', size: 3 },
    ];
    const latLon = readRadar(writeNetcdf({ dims, vars: vars(['time', 'lat', 'lon'], [0, 1, 2, 3, 4, 5]) }));
    const lonLat = readRadar(writeNetcdf({ dims, vars: vars(['time', 'lon', 'lat'], [0, 3, 1, 4, 2, 5]) }));
    // Rows follow the variable's own first grid dimension, so the transposed file has rows of longitude.
    assert.deepEqual([lonLat.ny, lonLat.nx], [3, 2]);
    for (let r = 0; r < 2; r++) {
      for (let c = 0; c < 3; c++) {
        assert.equal(lonLat.values[c * 2 + r], latLon.values[r * 3 + c]);
        assert.equal(lonLat.lat[c * 2 + r], latLon.lat[r * 3 + c]);
        assert.equal(lonLat.lon[c * 2 + r], latLon.lon[r * 3 + c]);
      }
    }
  });
});

describe('readRadar: EXPECTED FAILURES, each a RadarError naming the file and what was found', () => {
  const stageIv = readFileSync(STAGE_IV);

  it('EXPECTED FAILURE - random bytes are not NetCDF', () => {
    let seed = 7;
    const bytes = Uint8Array.from(
      { length: 4096 },
      () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 255,
    );
    refuses('RADAR_NOT_NETCDF', bytes, /not a NetCDF file \(4096 bytes starting/);
  });

  it('EXPECTED FAILURE - an empty file', () => {
    refuses('RADAR_NOT_NETCDF', new Uint8Array(0), /empty/);
  });

  it('EXPECTED FAILURE - a download cut off in the data', () => {
    refuses(
      'RADAR_NOT_NETCDF',
      stageIv.subarray(0, 600_000),
      /truncated: variable \w+ needs bytes up to \d+, the file has 600000/,
    );
  });

  it('EXPECTED FAILURE - a download cut off in the header', () => {
    refuses('RADAR_NOT_NETCDF', stageIv.subarray(0, 300), /header is unreadable \(300 bytes/);
  });

  it('EXPECTED FAILURE - NetCDF-4 (HDF5) is named as such', () => {
    const hdf5 = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    refuses('RADAR_NOT_NETCDF', hdf5, /NetCDF-4\/HDF5.*nccopy -k classic/);
  });

  it('EXPECTED FAILURE - a file with no precipitation variable lists what it has', () => {
    const bytes = tinyGrid({ lat: LAT, lon: LON, fields: FIELD, name: 'air_temperature', units: 'K' });
    refuses(
      'RADAR_NO_PRECIPITATION',
      bytes,
      /no precipitation variable .* the file has time\(time\).*air_temperature\(time, lat, lon\) \[K\]/,
    );
  });

  it('EXPECTED FAILURE - the configured variable is not in the file', () => {
    const bytes = tinyGrid({ lat: LAT, lon: LON, fields: FIELD });
    refuses('RADAR_NO_PRECIPITATION', bytes, /no variable named rain_1h/, { variable: 'rain_1h' });
  });

  it('EXPECTED FAILURE - two variables that could each be the precipitation', () => {
    const one = {
      name: 'a',
      dims: ['time', 'lat', 'lon'],
      type: 'float' as const,
      attrs: { units: 'mm' },
      data: [0, 0, 0, 0],
    };
    const bytes = writeNetcdf({
      dims: [
        { name: 'time', size: 1 },
        { name: 'lat', size: 2 },
        { name: 'lon', size: 2 },
      ],
      vars: [one, { ...one, name: 'b' }],
    });
    refuses('RADAR_NO_PRECIPITATION', bytes, /more than one .*a\(time, lat, lon\) \[mm\], b\(/);
  });

  it('EXPECTED FAILURE - precipitation in inches', () => {
    refuses(
      'RADAR_UNITS',
      tinyGrid({ lat: LAT, lon: LON, fields: FIELD, units: 'in' }),
      /is in "in"; only mm or kg m-2/,
    );
  });

  it('EXPECTED FAILURE - a rain rate is not an hourly accumulation', () => {
    refuses('RADAR_UNITS', tinyGrid({ lat: LAT, lon: LON, fields: FIELD, units: 'mm/h' }), /a rate/);
    refuses('RADAR_UNITS', tinyGrid({ lat: LAT, lon: LON, fields: FIELD, units: 'kg m-2 s-1' }), /a rate/);
  });

  it('EXPECTED FAILURE - precipitation without units', () => {
    const bytes = tinyGrid({
      lat: LAT,
      lon: LON,
      fields: FIELD,
      attrs: { units: undefined, standard_name: 'precipitation_amount' },
    });
    refuses('RADAR_UNITS', bytes, /no units attribute/);
  });

  it('EXPECTED FAILURE - a time axis that goes back', () => {
    const bytes = tinyGrid({ lat: LAT, lon: LON, fields: [...FIELD, ...FIELD], hours: [1, 2, 4, 3] });
    refuses(
      'RADAR_TIME_AXIS',
      bytes,
      /not strictly increasing: step 3 is 2015-03-14T03:00:00.000Z, step 2 is 2015-03-14T04:00/,
    );
  });

  it('EXPECTED FAILURE - the same hour twice', () => {
    refuses(
      'RADAR_TIME_AXIS',
      tinyGrid({ lat: LAT, lon: LON, fields: FIELD, hours: [5, 5] }),
      /not strictly increasing/,
    );
  });

  it('EXPECTED FAILURE - time units that are not "<unit> since <date>"', () => {
    const bytes = tinyGrid({ lat: LAT, lon: LON, fields: FIELD, timeUnits: 'hours since the storm began' });
    refuses('RADAR_TIME_AXIS', bytes, /time axis time: units "hours since the storm began"/);
  });

  it('EXPECTED FAILURE - a model calendar', () => {
    const bytes = writeNetcdf({
      dims: [
        { name: 'time', size: 1 },
        { name: 'lat', size: 2 },
        { name: 'lon', size: 2 },
      ],
      vars: [
        {
          name: 'time',
          dims: ['time'],
          type: 'double',
          attrs: { units: 'hours since 2015-01-01', calendar: '360_day' },
          data: [1],
        },
        { name: 'lat', dims: ['lat'], type: 'double', attrs: { units: 'degrees_north' }, data: LAT },
        {
          name: 'lon',
          dims: ['lon'],
          type: 'double',
          attrs: { units: 'degrees_east' },
          data: LON.slice(0, 2),
        },
        {
          name: 'pr',
          dims: ['time', 'lat', 'lon'],
          type: 'float',
          attrs: { units: 'mm' },
          data: [0, 0, 0, 0],
        },
      ],
    });
    refuses('RADAR_TIME_AXIS', bytes, /calendar "360_day"/);
  });

  it('EXPECTED FAILURE - three-hourly accumulations', () => {
    refuses('RADAR_TIME_AXIS', tinyGrid({ lat: LAT, lon: LON, fields: FIELD, hours: [3, 6] }), /3 h apart/);
    const said = tinyGrid({
      lat: LAT,
      lon: LON,
      fields: FIELD,
      attrs: { cell_methods: 'time: sum (interval: 3 hr)' },
    });
    refuses('RADAR_TIME_AXIS', said, /sums 3 hr, not one hour/);
  });

  it('EXPECTED FAILURE - hours that do not start on the hour', () => {
    refuses(
      'RADAR_TIME_AXIS',
      tinyGrid({ lat: LAT, lon: LON, fields: FIELD, hours: [1.5, 2.5] }),
      /starts at 2015-03-14T00:30/,
    );
  });

  it('EXPECTED FAILURE - a grid with no time axis at all', () => {
    const bytes = writeNetcdf({
      dims: [
        { name: 'lat', size: 2 },
        { name: 'lon', size: 2 },
      ],
      vars: [{ name: 'pr', dims: ['lat', 'lon'], type: 'float', attrs: { units: 'mm' }, data: [0, 0, 0, 0] }],
    });
    refuses('RADAR_TIME_AXIS', bytes, /pr\(lat, lon\) \[mm\] has no time axis/);
  });

  it('EXPECTED FAILURE - projected x/y with a grid_mapping but no latitude/longitude', () => {
    const bytes = writeNetcdf({
      dims: [
        { name: 'time', size: 1 },
        { name: 'y', size: 2 },
        { name: 'x', size: 2 },
      ],
      vars: [
        {
          name: 'time',
          dims: ['time'],
          type: 'double',
          attrs: { units: 'hours since 2018-09-14' },
          data: [1],
        },
        {
          name: 'y',
          dims: ['y'],
          type: 'double',
          attrs: { standard_name: 'projection_y_coordinate', units: 'm' },
          data: [0, 4000],
        },
        {
          name: 'x',
          dims: ['x'],
          type: 'double',
          attrs: { standard_name: 'projection_x_coordinate', units: 'm' },
          data: [0, 4000],
        },
        {
          name: 'crs',
          dims: [],
          type: 'int',
          attrs: { grid_mapping_name: 'polar_stereographic' },
          data: [0],
        },
        {
          name: 'pr',
          dims: ['time', 'y', 'x'],
          type: 'float',
          attrs: { units: 'mm', grid_mapping: 'crs' },
          data: [0, 0, 0, 0],
        },
      ],
    });
    refuses('RADAR_NO_GEOLOCATION', bytes, /only projected coordinates with grid_mapping "crs"/);
  });

  it('EXPECTED FAILURE - latitudes off the globe', () => {
    refuses(
      'RADAR_NO_GEOLOCATION',
      tinyGrid({ lat: [89.9, 90.1], lon: LON, fields: FIELD }),
      /3 cell latitude\(s\) missing or outside ±90°/,
    );
  });
});
