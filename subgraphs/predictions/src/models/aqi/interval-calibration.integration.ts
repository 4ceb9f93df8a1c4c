import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { parseConfig } from '../../config.ts';
import { startPredictionsService } from '../../service.ts';
import { testConfig } from '../../testing.ts';

const logger = createLogger('predictions', 'silent');
const REPO = path.resolve(import.meta.dirname, '../../../../..');
/** olinda-02's newest reading in the committed snapshot. */
const LAST_READING = '2015-12-31T23:00:00.000Z';

const FORECAST = `query($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Zone { aqiForecast(hours: 24) {
    asOf degraded points { value lower upper } intervalCalibration { method window observedErrors }
  } } }
}`;
const INGEST = `mutation($readings: [SensorReadingInput!]!) {
  ingestSensorReadings(readings: $readings) { accepted }
}`;

async function zoneOf(sensorId: string): Promise<string> {
  const text = await readFile(path.join(REPO, 'data/airquality/olinda-sim/sensors.csv'), 'utf8');
  const line = text.split('\n').find((l) => l.startsWith(`${sensorId},`));
  return line!.split(',')[1]!;
}

interface Forecast {
  asOf: string;
  degraded: boolean;
  points: { value: number; lower: number; upper: number }[];
  intervalCalibration: { method: string; window: number | null; observedErrors: number };
}

describe('AQI_INTERVAL_* settings', () => {
  it('default online; window and gamma validated', () => {
    assert.equal(parseConfig({}).aqi.intervals.method, 'online');
    assert.equal(parseConfig({ AQI_INTERVAL_WINDOW: '4000' }).aqi.intervals.window, 4000);
    assert.throws(() => parseConfig({ AQI_INTERVAL_CALIBRATION: 'adaptive' }), /AQI_INTERVAL_CALIBRATION/);
    assert.throws(() => parseConfig({ AQI_INTERVAL_WINDOW: '10' }), /AQI_INTERVAL_WINDOW/);
    assert.throws(() => parseConfig({ AQI_INTERVAL_GAMMA: '-0.1' }), /AQI_INTERVAL_GAMMA/);
  });
});

onEachDatabase((label, open) => {
  describe(`AQI intervals recalibrated online on ${label}`, () => {
    const online = subgraphUnderTest(open, (database) => startPredictionsService(testConfig(database), logger));
    const fixed = subgraphUnderTest(open, (database) =>
      startPredictionsService(testConfig(database, { AQI_INTERVAL_CALIBRATION: 'static' }), logger),
    );

    it('a reading of a forecast hour is scored once, and the static setting serves the model file', async (t) => {
      if (!online.server || !fixed.server) return t.skip('no Postgres on this machine');
      const zone = await zoneOf('olinda-02');
      const ask = async (subject: typeof online): Promise<Forecast> => {
        const r = await subject.gql(FORECAST, { reps: [{ __typename: 'Zone', id: zone }] });
        assert.equal(r.errors, undefined);
        return r.data!['_entities'][0].aqiForecast as Forecast;
      };
      const before = await ask(online);
      const stat = await ask(fixed);
      assert.equal(before.asOf, LAST_READING);
      assert.deepEqual(before.intervalCalibration, { method: 'online', window: 8000, observedErrors: 0 });
      assert.deepEqual(stat.intervalCalibration, { method: 'static', window: null, observedErrors: 0 });
      // the same point forecast, other intervals: the online ones are wider at long horizons
      // (the static offsets under-covered the test period's end)
      assert.deepEqual(
        before.points.map((p) => p.value),
        stat.points.map((p) => p.value),
      );
      const width = (f: Forecast, h: number) => f.points[h - 1]!.upper - f.points[h - 1]!.lower;
      assert.ok(width(before, 24) > width(stat, 24), `${width(before, 24)} > ${width(stat, 24)}`);
      for (const p of before.points) assert.ok(p.lower <= p.value && p.value <= p.upper);

      // the next hour's reading arrives: it is the truth of the first step of the forecast above
      const next = new Date(Date.parse(LAST_READING) + 3_600_000).toISOString();
      const ing = await online.gql(INGEST, { readings: [{ sensorId: 'olinda-02', parameter: 'pm25', at: next, value: 400 }] });
      assert.equal(ing.errors, undefined);
      const after = await ask(online);
      assert.equal(after.asOf, next);
      assert.equal(after.intervalCalibration.observedErrors, 1);
      // asking again reads the same readings: nothing is scored twice
      assert.equal((await ask(online)).intervalCalibration.observedErrors, 1);
    });
  });
});
