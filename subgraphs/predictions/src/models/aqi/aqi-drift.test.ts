import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { parseDriftReference, WindowDriftMonitor, type DriftEvent } from '@cityassist/inference';
import { assertFeatureSpec, windowFeatures } from './aqi-features.ts';

/**
 * The AQI forecaster's inputs judged per day window of sensor slices (docs/drift.md, "AQI"): the
 * held-out readings of drift_reference.json's replay, turned into rows by serving's own feature
 * code, must give the alarms drift_reference.py computed: none as measured, and every reading-scaled
 * input in DRIFT once the feed reports mg/m³ (x 0.001) for three days.
 */
const DIR = path.resolve(import.meta.dirname, '../../../../../models/aqi/1.0.0');
const raw = JSON.parse(readFileSync(path.join(DIR, 'drift_reference.json'), 'utf8')) as unknown;
const reference = parseDriftReference(raw, 'aqi 1.0.0');
const metadata = JSON.parse(readFileSync(path.join(DIR, 'metadata.json'), 'utf8')) as {
  features: { name: string }[];
  feature_spec: unknown;
};
const features = metadata.features.map((f) => ({ name: f.name }));
const spec = assertFeatureSpec(
  metadata.feature_spec,
  features.map((f) => f.name),
);

interface ReplayRun {
  factor: number;
  windows: { start: string; statistics: Record<string, Record<string, number | null>> }[];
  alarms: { window: number; feature: string; level: string }[];
}
const replay = (
  raw as {
    replay: {
      times: string[];
      firstAnchor: number;
      sensors: string[];
      readings: (number | null)[][];
      asMeasured: ReplayRun;
      mgPerM3: ReplayRun;
    };
  }
).replay;

function monitorOf(seen: DriftEvent[]) {
  return new WindowDriftMonitor(
    { name: 'aqi', version: '1.0.0', features },
    reference,
    // What serve.ts passes: the reference's own slice minimum, not DRIFT_MIN_ROWS.
    { minRows: reference.window.minRows ?? 200 },
    (e) => {
      seen.push(e);
      return Promise.resolve();
    },
    new Registry(),
  );
}

/**
 * Every anchor hour of the replay: each sensor with a reading at that hour and enough recent ones
 * is one row (serving anchors a sensor at its newest reading), then one row of the next day so the
 * last window closes. Returns the alarm transitions per window, as the replay lists them.
 */
async function feed(m: WindowDriftMonitor, factor: number, seen: DriftEvent[]) {
  const changes: { window: number; feature: string; level: string }[] = [];
  const H = spec.history_steps;
  let window = -1;
  let day = '';
  for (let t = replay.firstAnchor; t < replay.times.length; t++) {
    const at = new Date(replay.times[t]!);
    const d = new Date(at.getTime() - 1).toISOString().slice(0, 10);
    if (d !== day) [day, window] = [d, window + 1];
    const rows = replay.sensors.flatMap((sensor, s) => {
      const series = replay.readings[s]!;
      if (series[t] === null) return [];
      const w = series.slice(Math.max(0, t - H + 1), t + 1).map((v) => (v === null ? null : v * factor));
      const inputs = windowFeatures(w, at, spec);
      return inputs ? [{ id: `${sensor}@${at.toISOString()}`, key: sensor, at, inputs }] : [];
    });
    const before = seen.length;
    await m.observe(rows);
    // Transitions happen when this hour opened a new window: they belong to the one that closed.
    for (const e of seen.slice(before)) changes.push({ window: window - 1, feature: e.feature, level: e.level });
  }
  const before = seen.length;
  const next = new Date(new Date(replay.times.at(-1)!).getTime() + 3_600_000);
  const inputs = new Float32Array(features.length).fill(1);
  await m.observe([{ id: 'closer', key: replay.sensors[0]!, at: next, inputs }]);
  for (const e of seen.slice(before)) changes.push({ window, feature: e.feature, level: e.level });
  return changes;
}

const sorted = (xs: { window: number; feature: string; level: string }[]) =>
  xs.map((x) => `${x.window} ${x.feature} ${x.level}`).sort();

describe('AQI drift by day window of sensor slices', () => {
  it('the reference has its own slice minimum (12 sensors never reach DRIFT_MIN_ROWS 200) and leaves hour and dow unjudged', () => {
    assert.equal(reference.window.minRows, 9);
    assert.ok(!('hour' in reference.features) && !('dow' in reference.features));
    assert.ok('level' in reference.features && 'r_lag_0' in reference.features);
    // A minimum of 0 would judge empty slices: a malformed reference is refused at load.
    const bad = { ...(raw as object), window: { ...reference.window, minRows: 0 } };
    assert.throws(() => parseDriftReference(bad, 'aqi'), /window/);
  });

  it('the held-out days as measured: no alarm, the same window statistics as Python', async () => {
    const seen: DriftEvent[] = [];
    const m = monitorOf(seen);
    const changes = await feed(m, 1, seen);
    assert.deepEqual(sorted(changes), sorted(replay.asMeasured.alarms));
    assert.deepEqual(changes, []);
    // The last judged window's level mean is Python's (float32 readings here, float64 there).
    const last = replay.asMeasured.windows.at(-1)!;
    const level = m.current().features.find((f) => f.feature === 'level')!;
    const mean = level.statistics!.find((s) => s.name === 'mean')!.value;
    const expected = last.statistics['level']!['mean']!;
    assert.ok(Math.abs(mean - expected) <= 1e-4 * Math.abs(expected), `${mean} vs ${expected}`);
    assert.equal(m.current().window?.closed, true);
    assert.equal(m.current().window?.slices, 24);
  });

  it('EXPECTED DRIFT - readings in mg/m³ (x 0.001): the alarms Python computed, on the third day', async () => {
    const seen: DriftEvent[] = [];
    const changes = await feed(monitorOf(seen), replay.mgPerM3.factor, seen);
    assert.deepEqual(sorted(changes), sorted(replay.mgPerM3.alarms));
    assert.ok(changes.some((c) => c.feature === 'level' && c.level === 'DRIFT'));
    assert.deepEqual([...new Set(changes.map((c) => c.window))], [2]);
  });

  it('without the per-model minimum (DRIFT_MIN_ROWS 200) no AQI window is ever judged, so mg/m³ goes unseen', async () => {
    const seen: DriftEvent[] = [];
    const m = new WindowDriftMonitor(
      { name: 'aqi', version: '1.0.0', features },
      { ...reference, window: { ...reference.window, minRows: undefined } },
      { minRows: 200 },
      (e) => {
        seen.push(e);
        return Promise.resolve();
      },
      new Registry(),
    );
    await feed(m, replay.mgPerM3.factor, seen);
    assert.deepEqual(seen, []);
    assert.equal(m.current().window?.closed ?? false, false);
  });
});
