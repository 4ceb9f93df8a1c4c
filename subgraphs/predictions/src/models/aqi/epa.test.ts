import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EpaIndex, type EpaBreakpoints } from './epa.ts';

const METADATA = path.resolve(import.meta.dirname, '../../../../../models/aqi/1.0.0/metadata.json');

/**
 * [concentration, aqi, category, beyond index] from the Python reference, computed with
 *   cd training && /usr/bin/python3 -c "from cityassist_training.aqi.epa import aqi; ..."
 * (training/cityassist_training/aqi/epa.py, exact decimals): band edges, truncation (35.49 stays
 * Moderate), rounding, and beyond the top.
 */
const PYTHON: Record<string, [number, number, string, boolean][]> = {
  pm25: [
    [0, 0, 'Good', false],
    [0.05, 0, 'Good', false],
    [4.5, 25, 'Good', false],
    [8.99, 49, 'Good', false],
    [9.0, 50, 'Good', false],
    [9.04, 50, 'Good', false],
    [9.05, 50, 'Good', false],
    [9.1, 51, 'Moderate', false],
    [12.0, 56, 'Moderate', false],
    [20.25, 72, 'Moderate', false],
    [35.4, 100, 'Moderate', false],
    [35.49, 100, 'Moderate', false],
    [35.5, 101, 'Unhealthy for Sensitive Groups', false],
    [40.1, 112, 'Unhealthy for Sensitive Groups', false],
    [55.4, 150, 'Unhealthy for Sensitive Groups', false],
    [55.45, 150, 'Unhealthy for Sensitive Groups', false],
    [55.5, 151, 'Unhealthy', false],
    [100, 182, 'Unhealthy', false],
    [125.4, 200, 'Unhealthy', false],
    [125.5, 201, 'Very Unhealthy', false],
    [150.3, 226, 'Very Unhealthy', false],
    [225.4, 300, 'Very Unhealthy', false],
    [225.5, 301, 'Hazardous', false],
    [300, 449, 'Hazardous', false],
    [325.4, 500, 'Hazardous', false],
    [325.5, 500, 'Hazardous', true],
    [500, 500, 'Hazardous', true],
    [1e-9, 0, 'Good', false],
    [17.15, 66, 'Moderate', false],
    [30.333333, 90, 'Moderate', false],
  ],
  pm10: [
    [0, 0, 'Good', false],
    [54, 50, 'Good', false],
    [54.9, 50, 'Good', false],
    [55, 51, 'Moderate', false],
    [100, 73, 'Moderate', false],
    [154, 100, 'Moderate', false],
    [154.99, 100, 'Moderate', false],
    [155, 101, 'Unhealthy for Sensitive Groups', false],
    [254, 150, 'Unhealthy for Sensitive Groups', false],
    [300, 173, 'Unhealthy', false],
    [424, 300, 'Very Unhealthy', false],
    [425, 301, 'Hazardous', false],
    [604, 500, 'Hazardous', false],
    [604.5, 500, 'Hazardous', false],
    [605, 500, 'Hazardous', true],
    [1000, 500, 'Hazardous', true],
  ],
};

async function breakpoints(): Promise<EpaBreakpoints> {
  return (JSON.parse(await readFile(METADATA, 'utf8')) as { epa_breakpoints: EpaBreakpoints })
    .epa_breakpoints;
}

describe('EPA AQI (port of training/cityassist_training/aqi/epa.py)', () => {
  for (const [pollutant, cases] of Object.entries(PYTHON)) {
    it(`${pollutant}: agrees with the Python reference on ${cases.length} values`, async () => {
      const index = EpaIndex.fromBreakpoints(await breakpoints(), pollutant);
      for (const [c, aqi, category, beyond] of cases) {
        const got = index.of(c);
        assert.deepEqual(
          [got.aqi, got.category, got.beyondIndex],
          [aqi, category, beyond],
          `${pollutant} ${c}`,
        );
      }
    });
  }

  it('is monotone in the concentration over the whole PM2.5 table', async () => {
    const index = EpaIndex.fromBreakpoints(await breakpoints(), 'pm25');
    let previous = -1;
    for (let tenths = 0; tenths <= 3300; tenths++) {
      const { aqi } = index.of(tenths / 10);
      assert.ok(aqi >= previous, `${tenths / 10}: ${aqi} after ${previous}`);
      previous = aqi;
    }
  });

  it('EXPECTED FAILURE - a negative or non-finite concentration is a data error, not Good air', async () => {
    const index = EpaIndex.fromBreakpoints(await breakpoints(), 'pm25');
    assert.throws(() => index.of(-0.1), RangeError);
    assert.throws(() => index.of(Number.NaN), RangeError);
    assert.throws(
      () => EpaIndex.fromBreakpoints({ source: '', categories: [], pollutants: {} }, 'pm25'),
      /no EPA table/,
    );
  });
});
