// Parity of the served interval calibrator with the Python reference, and its bookkeeping.
//
//   node_modules/.bin/node --import tsx --test subgraphs/predictions/src/models/aqi/interval-calibrator.test.ts
//
// For every models/aqi/<version>/ with an interval_calibration.json (or the directories in
// AQI_MODEL_DIRS, ':'-separated), replays interval_test_vectors.json, written by
// training/cityassist_training/aqi/online_intervals.py (parity_vectors): from the file's state, the
// offsets, levels and intervals after each issued interval and observed reading must equal Python's.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import {
  HorizonWindow,
  IntervalCalibrator,
  orderStatQuantiles,
  readIntervalCalibration,
  type IntervalCalibrationFile,
} from './interval-calibrator.ts';

const MODELS = path.resolve(import.meta.dirname, '../../../../../models/aqi');
const HOUR = 3_600_000;

interface Event {
  op: 'interval' | 'observe';
  horizon: number;
  ratio: number;
  level: number;
  sigma: number;
  q_lo: number;
  q_hi: number;
  lower?: number;
  upper?: number;
  y?: number;
  a_lo?: number;
  a_hi?: number;
  n?: number;
}

const dirs = (process.env['AQI_MODEL_DIRS']?.split(':') ?? readdirSync(MODELS).map((v) => path.join(MODELS, v))).filter(
  (d) => existsSync(path.join(d, 'interval_calibration.json')),
);

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('AQI interval calibrator: parity with online_intervals.py', () => {
  it('finds at least one calibration file', () => assert.ok(dirs.length > 0, `none under ${MODELS}`));
  for (const dir of dirs) {
    it(`${path.basename(dir)}: replays interval_test_vectors.json`, () => {
      const state = readIntervalCalibration(dir)!;
      const vectors = JSON.parse(readFileSync(path.join(dir, 'interval_test_vectors.json'), 'utf8')) as {
        tolerance: number;
        events: Event[];
      };
      const cal = new IntervalCalibrator(state, HOUR);
      const tol = vectors.tolerance;
      let observed = 0;
      for (const [i, ev] of vectors.events.entries()) {
        const w = cal.horizons[ev.horizon - 1]!;
        if (ev.op === 'interval') {
          const [qLo, qHi] = w.quantiles()!;
          close(qLo, ev.q_lo, tol, `event ${i} q_lo`);
          close(qHi, ev.q_hi, tol, `event ${i} q_hi`);
          const [lower, upper] = cal.interval(ev.horizon, ev.ratio, ev.level, ev.sigma)!;
          close(lower, ev.lower!, tol, `event ${i} lower`);
          close(upper, ev.upper!, tol, `event ${i} upper`);
        } else {
          w.observe((ev.y! / ev.level - ev.ratio) / ev.sigma, ev.q_lo, ev.q_hi);
          observed++;
          close(w.aLo, ev.a_lo!, tol, `event ${i} a_lo`);
          close(w.aHi, ev.a_hi!, tol, `event ${i} a_hi`);
          assert.equal(w.n, ev.n, `event ${i} window size`);
        }
      }
      assert.ok(observed > 0, 'the vectors observe readings');
    });
  }
});

function tinyState(scores: number[][], window = 5, gamma = 0.01): IntervalCalibrationFile {
  // encodes scores the way training does (int16 / quantum, deflated, base64)
  return {
    version: 'test',
    alpha: 0.1,
    window,
    gamma,
    scale_floor: 0.05,
    quantum: 0.01,
    observed_until: '2026-01-01T00:00:00Z',
    horizons: scores.map((s, k) => {
      const buf = Buffer.alloc(s.length * 2);
      s.forEach((v, i) => buf.writeInt16LE(Math.round(v / 0.01), i * 2));
      return { horizon: k + 1, a_lo: 0.05, a_hi: 0.05, n: s.length, scores: deflateSync(buf).toString('base64') };
    }),
  };
}

describe('AQI interval calibrator: windows and levels', () => {
  it('order statistics with the (n+1) correction, clamped to the sample', () => {
    const s = Array.from({ length: 99 }, (_, i) => i);
    assert.deepEqual(orderStatQuantiles(s, 0.05, 0.05), [4, 94]); // the 5th and the 95th smallest
    assert.deepEqual(orderStatQuantiles([1, 2, 3], 0.05, 0.05), [1, 3]);
  });

  it('keeps only the most recent `window` scores', () => {
    const w = new HorizonWindow(3, 0, 0.1).seed([10, 20, 30, 40]);
    assert.equal(w.n, 3);
    assert.deepEqual(w.quantiles(), [20, 40]);
    w.observe(-5, null, null);
    assert.deepEqual(w.quantiles(), [-5, 40]);
  });

  it('a miss below lowers a_lo by gamma (1 - alpha/2), a hit raises it by gamma alpha/2', () => {
    const w = new HorizonWindow(10, 0.01, 0.1).seed([0, 1, 2]);
    w.observe(-1, 0, 2);
    close(w.aLo, 0.05 + 0.01 * (0.05 - 1), 1e-15, 'a_lo after a miss');
    close(w.aHi, 0.05 + 0.01 * 0.05, 1e-15, 'a_hi after a hit');
  });

  it('scores a sensor forecast once, when the reading of its target hour arrives', () => {
    const cal = new IntervalCalibrator(tinyState([[-1, -0.5, 0, 0.5, 1], [-1, -0.5, 0, 0.5, 1]]), HOUR);
    const anchor = new Date('2026-01-01T00:00:00Z');
    const first = cal.issue('s1', anchor, { level: 10, sigma: 0.1, ratio: [1, 1] });
    for (const [lower, upper] of first.map((x) => x!)) {
      close(lower, 9, 1e-12, 'lower = level (ratio + q_lo sigma)');
      close(upper, 11, 1e-12, 'upper = level (ratio + q_hi sigma)');
    }
    // the same anchor asked again: not a second forecast to score
    cal.issue('s1', anchor, { level: 10, sigma: 0.1, ratio: [1, 1] });
    const at1 = new Date(anchor.getTime() + HOUR);
    assert.equal(cal.observe('s1', [{ at: at1, value: 30 }]), 1);
    assert.equal(cal.observedErrors, 1);
    assert.equal(cal.horizons[0]!.n, 5, 'window stays at its size');
    assert.ok(cal.horizons[0]!.aHi < 0.05, 'a miss above lowers a_hi');
    // the same readings again: nothing new to score
    assert.equal(cal.observe('s1', [{ at: at1, value: 30 }]), 0);
    assert.equal(cal.observe('s1', [{ at: new Date(anchor.getTime() + 2 * HOUR), value: 10 }]), 1);
    assert.equal(cal.observedErrors, 2);
  });
});
