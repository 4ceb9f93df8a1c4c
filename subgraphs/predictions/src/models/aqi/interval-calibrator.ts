import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Reading } from './aqi-features.ts';

/**
 * AQI intervals that hold where they are used: per horizon and side, the most recent observed
 * scores e = (y/level − ratio)/σ of the model's own forecasts and an adaptive-conformal level per
 * side (Gibbs & Candès 2021). The same rules as training/cityassist_training/aqi/online_intervals.py
 * (the parity test replays its interval_test_vectors.json); docs/aqi-forecast.md, "Intervals that hold".
 *
 * The pool is every sensor of a model version: one global model, so one window per horizon; the
 * lower side's score is −e and the upper's e of the same observation, so one window serves both.
 */

/** The file training writes beside the model: the calibrators' state at the end of its test period. */
export interface IntervalCalibrationFile {
  version: string;
  alpha: number;
  window: number;
  gamma: number;
  scale_floor: number;
  quantum: number;
  observed_until: string;
  horizons: { horizon: number; a_lo: number; a_hi: number; n: number; scores: string }[];
}

export interface IntervalSettings {
  method: 'online' | 'static';
  window?: number | undefined;
  gamma?: number | undefined;
}

/** What AqiForecast.intervalCalibration reports. */
export interface IntervalCalibrationInfo {
  method: 'online' | 'static';
  window: number | null;
  observedErrors: number;
}

const LEVEL_CLIP: [number, number] = [0, 0.5];

/** Scores as training stored them: base64(zlib(int16 little-endian)) × quantum, oldest first. */
export function decodeScores(encoded: string, quantum: number): number[] {
  const bytes = inflateSync(Buffer.from(encoded, 'base64'));
  const out: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) out.push(bytes.readInt16LE(i) * quantum);
  return out;
}

/** (q_lo, q_hi) of an ascending array with the (n+1) correction; a level of α/2 is split conformal. */
export function orderStatQuantiles(sorted: readonly number[], aLo: number, aHi: number): [number, number] {
  const n = sorted.length;
  const kLo = Math.min(n, Math.max(1, Math.floor((n + 1) * aLo)));
  const kHi = Math.min(n, Math.max(1, Math.ceil((n + 1) * (1 - aHi))));
  return [sorted[kLo - 1]!, sorted[kHi - 1]!];
}

function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One horizon's rolling window and its two ACI levels. */
export class HorizonWindow {
  private readonly fifo: number[] = [];
  private head = 0;
  private readonly sorted: number[] = [];

  constructor(
    readonly window: number,
    readonly gamma: number,
    readonly alpha: number,
    public aLo = alpha / 2,
    public aHi = alpha / 2,
  ) {}

  seed(scores: readonly number[]): this {
    for (const e of scores.slice(Math.max(0, scores.length - this.window))) this.push(e);
    return this;
  }

  get n(): number {
    return this.fifo.length - this.head;
  }

  quantiles(): [number, number] | null {
    return this.n === 0 ? null : orderStatQuantiles(this.sorted, this.aLo, this.aHi);
  }

  /** The score of a forecast whose reading arrived, with the offsets it was issued with. */
  observe(e: number, qLo: number | null, qHi: number | null): void {
    if (qLo !== null && qHi !== null && this.gamma > 0) {
      const [lo, hi] = LEVEL_CLIP;
      this.aLo = Math.min(hi, Math.max(lo, this.aLo + this.gamma * (this.alpha / 2 - (e < qLo ? 1 : 0))));
      this.aHi = Math.min(hi, Math.max(lo, this.aHi + this.gamma * (this.alpha / 2 - (e > qHi ? 1 : 0))));
    }
    this.push(e);
  }

  private push(e: number): void {
    this.fifo.push(e);
    this.sorted.splice(lowerBound(this.sorted, e), 0, e);
    if (this.n > this.window) {
      const old = this.fifo[this.head++]!;
      this.sorted.splice(lowerBound(this.sorted, old), 1);
      // compact now and then so the queue does not grow without bound
      if (this.head > this.window) {
        this.fifo.splice(0, this.head);
        this.head = 0;
      }
    }
  }
}

/** The inputs of one issued forecast that its later reading is scored against. */
interface Issued {
  ratio: number;
  level: number;
  sigma: number;
  qLo: number;
  qHi: number;
}

/** A sensor's forecast at one anchor: what it was issued with, and which horizons await a reading. */
interface Pending {
  issued: (Issued | null)[];
  open: boolean[];
}

/** ratio, level and σ of a row: what the interval formula needs besides the offsets. */
export interface RowScale {
  level: number;
  sigma: number;
  /** ratio per horizon (predicted y[t+h]/level). */
  ratio: readonly number[];
}

/**
 * One model version's calibrators, fed as readings arrive: `issue` records a sensor's forecast at
 * its anchor (once per sensor and anchor), `observe` scores the recorded forecasts whose target
 * hours now have a reading. A forecast is scored once; the service forgets forecasts whose target
 * is older than the readings window it reads.
 */
export class IntervalCalibrator {
  readonly horizons: HorizonWindow[];
  observedErrors = 0;
  private readonly pending = new Map<string, Map<number, Pending>>();

  constructor(
    readonly state: IntervalCalibrationFile,
    readonly stepMs: number,
    settings: { window?: number | undefined; gamma?: number | undefined } = {},
  ) {
    const window = settings.window ?? state.window;
    const gamma = settings.gamma ?? state.gamma;
    this.horizons = state.horizons.map((h) =>
      new HorizonWindow(window, gamma, state.alpha, h.a_lo, h.a_hi).seed(decodeScores(h.scores, state.quantum)),
    );
  }

  get window(): number {
    return this.horizons[0]?.window ?? 0;
  }

  /** The current offsets of horizon h (1-based), in units of σ. */
  offsets(h: number): [number, number] | null {
    return this.horizons[h - 1]?.quantiles() ?? null;
  }

  /** [lower, upper] of horizon h: the ONNX graph's formula with the online offsets. */
  interval(h: number, ratio: number, level: number, sigma: number): [number, number] | null {
    const q = this.offsets(h);
    if (!q) return null;
    return [Math.max(0, level * (ratio + q[0] * sigma)), Math.max(0, level * (ratio + q[1] * sigma))];
  }

  /** Intervals for a sensor's forecast at `anchor`, remembered so its readings can score them. */
  issue(sensorId: string, anchor: Date, row: RowScale): ([number, number] | null)[] {
    let bySensor = this.pending.get(sensorId);
    if (!bySensor) {
      bySensor = new Map<number, Pending>();
      this.pending.set(sensorId, bySensor);
    }
    const t = anchor.getTime();
    // A repeated request for the same anchor gets the first issue's intervals: each forecast counts once.
    let issued = bySensor.get(t)?.issued;
    if (!issued) {
      issued = row.ratio.map((ratio, k) => {
        const q = this.offsets(k + 1);
        return q ? { ratio, level: row.level, sigma: row.sigma, qLo: q[0], qHi: q[1] } : null;
      });
      bySensor.set(t, { issued, open: issued.map((x) => x !== null) });
    }
    return issued.map((x) =>
      x ? [Math.max(0, x.level * (x.ratio + x.qLo * x.sigma)), Math.max(0, x.level * (x.ratio + x.qHi * x.sigma))] : null,
    );
  }

  /** Scores every recorded forecast of this sensor whose target hour has a reading in `readings`. */
  observe(sensorId: string, readings: readonly Reading[]): number {
    const bySensor = this.pending.get(sensorId);
    if (!bySensor || readings.length === 0) return 0;
    const at = new Map(readings.map((r) => [Math.round(r.at.getTime() / this.stepMs) * this.stepMs, r.value]));
    const newest = Math.max(...at.keys());
    let n = 0;
    for (const [t, p] of [...bySensor].sort((a, b) => a[0] - b[0])) {
      p.issued.forEach((x, k) => {
        if (!x || !p.open[k]) return;
        const target = t + (k + 1) * this.stepMs;
        if (target > newest) return;
        const y = at.get(target);
        if (y !== undefined && Number.isFinite(y)) {
          this.horizons[k]!.observe((y / x.level - x.ratio) / x.sigma, x.qLo, x.qHi);
          n++;
        }
        // scored, or its hour passed without a reading: it is never scored later
        p.open[k] = false;
      });
      if (!p.open.some(Boolean)) bySensor.delete(t);
    }
    this.observedErrors += n;
    return n;
  }
}

/** The calibration file of a model directory, or null when training wrote none. */
export function readIntervalCalibration(dir: string): IntervalCalibrationFile | null {
  const file = path.join(dir, 'interval_calibration.json');
  if (!existsSync(file)) return null;
  const state = JSON.parse(readFileSync(file, 'utf8')) as IntervalCalibrationFile;
  if (!Array.isArray(state.horizons) || typeof state.window !== 'number' || typeof state.quantum !== 'number') {
    throw new Error(`${file}: needs window, quantum and one entry per horizon`);
  }
  return state;
}

/** What the forecaster needs of a version to rebuild its intervals (AqiVersion has it). */
export interface IntervalVersion {
  spec: { horizons: number; resolution: 'hourly' | 'daily' };
  intervals: { qLo: number[]; qHi: number[]; scaleFloor: number };
  at: { level: number; std: number };
}

/** A served point's interval, as the calibrator rewrites it. */
export interface IntervalPoint {
  value: number;
  lower: number;
  upper: number;
}

/**
 * The service's calibrators, one per model version (its folder's interval_calibration.json), with
 * the AQI_INTERVAL_* settings. `static` (or a version without a file) leaves the model's intervals.
 */
export class AqiIntervals {
  private readonly byVersion = new Map<string, IntervalCalibrator | null>();

  constructor(
    readonly settings: IntervalSettings,
    private readonly stepMs: number,
  ) {}

  /** The calibrator of the version in `dir`, or null when intervals stay static. */
  of(dir: string): IntervalCalibrator | null {
    if (this.settings.method === 'static') return null;
    let cal = this.byVersion.get(dir);
    if (cal === undefined) {
      const state = readIntervalCalibration(dir);
      cal = state ? new IntervalCalibrator(state, this.stepMs, this.settings) : null;
      this.byVersion.set(dir, cal);
    }
    return cal;
  }

  /** Feeds the readings a forecast request read: they score the earlier forecasts they are the truth of. */
  observe(dir: string, readings: ReadonlyMap<string, readonly Reading[]>): void {
    const cal = this.of(dir);
    if (cal) for (const [sensorId, rs] of readings) cal.observe(sensorId, rs);
  }

  /**
   * The points with the online intervals of the version in `dir`, and what to report about them.
   * The trees' ratio is recovered from the served values (forecast = max(0, ratio·level), else the
   * static upper end), so the model's outputs stay as they are.
   */
  apply<P extends IntervalPoint>(
    dir: string,
    v: IntervalVersion,
    sensorId: string,
    anchor: Date,
    inputs: Float32Array,
    points: readonly P[],
  ): { points: P[]; info: IntervalCalibrationInfo } {
    const cal = this.of(dir);
    if (!cal) return { points: [...points], info: { method: 'static', window: null, observedErrors: 0 } };
    const level = inputs[v.at.level]!;
    const sigma = Math.max(inputs[v.at.std]!, Math.fround(v.intervals.scaleFloor));
    const ratio = points.map((p, k) =>
      p.value > 0 ? p.value / level : p.upper > 0 ? p.upper / level - v.intervals.qHi[k]! * sigma : -v.intervals.qHi[k]! * sigma,
    );
    const intervals = cal.issue(sensorId, anchor, { level, sigma, ratio });
    return {
      points: points.map((p, k) => {
        const iv = intervals[k];
        return iv ? { ...p, lower: iv[0], upper: iv[1] } : p;
      }),
      info: { method: 'online', window: cal.window, observedErrors: cal.observedErrors },
    };
  }
}
