import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { DriftEvent } from './drift-monitor.ts';
import {
  fingerprintOf,
  parseDriftReference,
  WindowDriftMonitor,
  windowStatistics,
  type DriftReference,
} from './drift-window.ts';

const FLOOD = path.resolve(import.meta.dirname, '../../../../models/flood/1.0.0');
const reference = parseDriftReference(
  JSON.parse(readFileSync(path.join(FLOOD, 'drift_reference.json'), 'utf8')),
  'flood 1.0.0',
);
const metadata = JSON.parse(readFileSync(path.join(FLOOD, 'metadata.json'), 'utf8')) as {
  features: { name: string }[];
};
const features = metadata.features.map((f) => ({ name: f.name }));
const col = (name: string) => features.findIndex((f) => f.name === name);
const RAIN = ['rain_1h_mm', 'rain_24h_mm', 'rain_72h_mm'] as const;
const zones = Object.keys(reference.static['elevation_mean_m']!.zones);

interface Replay {
  asOf: string[];
  features: Record<string, number[]>;
  mm: ReplayRun;
  inches: ReplayRun;
}
interface ReplayRun {
  windows: { start: string; statistics: Record<string, Record<string, number | null>> }[];
  alarms: { window: number; feature: string; statistic: string; level: string }[];
}
const replay = (reference as unknown as { replay: Replay }).replay;

/** One hourly slice of the whole city: every zone with its training terrain and the hour's rain. */
function slice(
  at: Date,
  rain: Record<string, number>,
  terrain = (z: string, f: string) => reference.static[f]!.zones[z]!,
) {
  return zones.map((zone) => {
    const inputs = new Float32Array(features.length).fill(Number.NaN);
    for (const f of RAIN) inputs[col(f)] = rain[f]!;
    for (const f of ['elevation_mean_m', 'elevation_min_m', 'low_lying_share']) {
      inputs[col(f)] = terrain(zone, f);
    }
    return { id: `${zone}@${at.toISOString()}`, key: zone, at, inputs };
  });
}

function monitorOf(ref: DriftReference, seen: DriftEvent[], fs = features) {
  return new WindowDriftMonitor(
    { name: 'flood', version: '1.0.0', features: fs },
    ref,
    { minRows: 200 },
    (e) => {
      seen.push(e);
      return Promise.resolve();
    },
    new Registry(),
  );
}

/** Feeds the replay's hours (divided by `scale`), then one more hour so the last window closes. */
async function feedReplay(m: WindowDriftMonitor, scale: number, seen: DriftEvent[]) {
  const changes: { window: number; feature: string; level: string }[] = [];
  let window = -1;
  let day = '';
  const hours = [...replay.asOf, '2015-11-15T01:00:00Z'];
  for (let h = 0; h < hours.length; h++) {
    const at = new Date(hours[h]!);
    const d = new Date(at.getTime() - 1).toISOString().slice(0, 10);
    if (d !== day) [day, window] = [d, window + 1];
    const rain = Object.fromEntries(RAIN.map((f) => [f, (replay.features[f]![h] ?? 0) / scale]));
    const before = seen.length;
    await m.observe(slice(at, rain));
    // The events of a window are emitted when the next window's first slice closes it.
    for (const e of seen.slice(before)) {
      changes.push({ window: window - 1, feature: e.feature, level: e.level });
    }
  }
  return changes;
}

describe('WindowDriftMonitor on the flood reference', () => {
  it("computes training's window statistics (the reference's known-good replay vectors)", () => {
    for (const [w, expected] of replay.mm.windows.entries()) {
      // The replay starts at the first hour of a day: window w is hours 24w .. 24w + 23.
      const hours = Array.from({ length: 24 }, (_, k) => w * 24 + k);
      for (const f of RAIN) {
        const values = Float32Array.from(hours, (h) => replay.features[f]![h]!);
        const got = windowStatistics(values, reference.features[f]!.histogram);
        for (const [stat, want] of Object.entries(expected.statistics[f]!)) {
          const value = got[stat as keyof typeof got];
          if (want === null) assert.ok(Number.isNaN(value), `${expected.start} ${f} ${stat}`);
          else {
            assert.ok(
              Math.abs(value - want) <= 1e-9 * Math.max(1, Math.abs(want)),
              `${expected.start} ${f} ${stat}: ${value} vs ${want}`,
            );
          }
        }
      }
    }
  });

  it('raises nothing on two held-out weeks in mm', async () => {
    const seen: DriftEvent[] = [];
    await feedReplay(monitorOf(reference, seen), 1, seen);
    assert.deepEqual(seen, []);
  });

  it('EXPECTED DRIFT - rain fed in inches: alarmed on the window the training rule says, once per feature', async () => {
    const seen: DriftEvent[] = [];
    const m = monitorOf(reference, seen);
    const changes = await feedReplay(m, 25.4, seen);
    const expected = replay.inches.alarms.map(({ window, feature, level }) => ({ window, feature, level }));
    assert.ok(
      expected.some((e) => e.level === 'DRIFT'),
      'the reference expects the shift to be caught',
    );
    assert.deepEqual(changes, expected);
    // rain_1h_mm first: its wetMean under the training floor on two consecutive wet days (2 and 3
    // November, windows 1 and 2); 1 November, a heavy day, looks like an ordinary light one in inches.
    assert.deepEqual(changes[0], { window: 2, feature: 'rain_1h_mm', level: 'DRIFT' });
    assert.match(seen[0]!.reason!, /wetMean/);
  });

  it('EXPECTED DRIFT - a changed terrain value is caught by exact equality, and cleared when it is restored', async () => {
    const seen: DriftEvent[] = [];
    const m = monitorOf(reference, seen);
    const at = new Date('2015-03-15T16:00:00Z');
    await m.observe(slice(at, { rain_1h_mm: 1, rain_24h_mm: 10, rain_72h_mm: 20 }));
    assert.equal(seen.length, 0, 'the training terrain: nothing to report');
    const elevation = m.current().features.find((f) => f.feature === 'elevation_mean_m')!;
    assert.equal(elevation.fingerprintMatches, true);
    assert.equal(elevation.changedZoneCount, 0);
    const zone = zones[17]!;
    const moved = slice(at, { rain_1h_mm: 1, rain_24h_mm: 10, rain_72h_mm: 20 }, (z, f) =>
      z === zone && f === 'elevation_mean_m'
        ? reference.static[f]!.zones[z]! + 0.01
        : reference.static[f]!.zones[z]!,
    );
    await m.observe(moved);
    assert.deepEqual(
      seen.map((e) => [e.feature, e.level]),
      [['elevation_mean_m', 'DRIFT']],
    );
    const after = m.current().features.find((f) => f.feature === 'elevation_mean_m')!;
    assert.deepEqual(after.changedZones, [zone]);
    assert.equal(after.fingerprintMatches, false);
    await m.observe(slice(at, { rain_1h_mm: 1, rain_24h_mm: 10, rain_72h_mm: 20 }));
    assert.deepEqual(
      seen.map((e) => [e.feature, e.level]),
      [
        ['elevation_mean_m', 'DRIFT'],
        ['elevation_mean_m', 'STABLE'],
      ],
    );
  });

  it('holds the fingerprint training computed for each static feature', () => {
    for (const [f, s] of Object.entries(reference.static)) {
      assert.equal(fingerprintOf(Object.entries(s.zones)), s.fingerprint, f);
    }
  });
});

describe('WindowDriftMonitor hysteresis', () => {
  // One feature whose window mean training kept within [0, 1] (clear band [0.1, 0.9]).
  const tiny: DriftReference = {
    name: 'm',
    version: '1',
    method: 'window',
    window: { hours: 24, minCoverage: 1 / 24 },
    seasons: { all: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
    hysteresis: { clearAfterWindows: 2 },
    features: {
      x: {
        histogram: { bins: [0, 1, 2], counts: [1, 1] },
        thresholds: { all: { mean: { lower: 0, upper: 1, clearLower: 0.1, clearUpper: 0.9 } } },
        alarmAfterWindows: { mean: { low: 2, high: 2 } },
      },
    },
    static: {},
  };
  const day = (d: number, x: number) =>
    Array.from({ length: 200 }, (_, i) => ({
      id: `${d}-${i}`,
      key: `z${i}`,
      at: new Date(Date.UTC(2024, 0, d, 12)),
      inputs: Float32Array.from([x]),
    }));

  it('does not flap: alternate windows beyond and inside raise nothing, consecutive ones raise one alarm', async () => {
    const seen: DriftEvent[] = [];
    const m = monitorOf(tiny, seen, [{ name: 'x' }]);
    const means = [2, 0.5, 2, 0.5, 2, 0.5, 2, 2, 2, 0.5, 2, 0.5, 0.5, 0.5];
    const after: string[] = [];
    for (const [i, x] of means.entries()) {
      await m.observe(day(i + 1, x));
      after.push(seen.map((e) => e.level).join(','));
    }
    // Window i is judged when window i + 1 starts: the alarm comes with the 2nd consecutive 2
    // (windows 6 and 7; 7 is judged when 8 starts), stays through one 0.5 and one more 2, and clears
    // after two consecutive 0.5 (windows 11 and 12; 12 is judged when 13 starts).
    assert.deepEqual(
      seen.map((e) => e.level),
      ['DRIFT', 'STABLE'],
    );
    assert.equal(after.indexOf('DRIFT'), 8);
    assert.equal(after.indexOf('DRIFT,STABLE'), 13);
  });
});
