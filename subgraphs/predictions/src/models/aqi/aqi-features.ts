/**
 * The AQI forecaster's input row from a sensor's recent readings: the serving contract written in
 * the model's metadata.json (`feature_spec`) and training/AQI.md "Features (the serving contract)",
 * mirrored line by line from the reference implementation `window_features` in
 * training/cityassist_training/aqi/features.py. The parity test replays every worked example of the
 * model's test_vectors.json (`windows`) through this code.
 */

/** metadata.json → `feature_spec`: the numbers the rules below are written in. */
export interface AqiFeatureSpec {
  resolution: 'hourly' | 'daily';
  /** s: steps per season (24 hourly). */
  season: number;
  /** L: lagged readings r_lag_0 … r_lag_{L-1}. */
  n_lags: number;
  /** W: the long window of r_mean_W. */
  long_window: number;
  horizons: number;
  names: string[];
  /** Readings the features look back over, the anchor included. */
  history_steps: number;
  level_floor: number;
  /** Valid readings among the last `season` steps a forecast needs (⌈s/2⌉). */
  min_level_readings: number;
  /** Valid readings among the last W steps r_mean_W needs (⌈W/4⌉). */
  min_long_readings: number;
  /** "UTC, step 3600 s, phase 0 s". */
  grid?: string;
}

export const STEP_MS: Record<AqiFeatureSpec['resolution'], number> = {
  hourly: 3_600_000,
  daily: 86_400_000,
};

/** Checks a metadata `feature_spec` has what the rules read, in the order the rules write. */
export function assertFeatureSpec(spec: unknown, featureNames: readonly string[]): AqiFeatureSpec {
  const s = spec as Partial<AqiFeatureSpec> | undefined;
  const ints = ['season', 'n_lags', 'long_window', 'horizons', 'history_steps'] as const;
  const bad = [
    ...(s && (s.resolution === 'hourly' || s.resolution === 'daily') ? [] : ['resolution']),
    ...ints.filter((k) => !Number.isInteger(s?.[k]) || s![k]! < 1),
    ...(typeof s?.level_floor === 'number' ? [] : ['level_floor']),
    ...(Number.isInteger(s?.min_level_readings) ? [] : ['min_level_readings']),
    ...(Number.isInteger(s?.min_long_readings) ? [] : ['min_long_readings']),
  ];
  if (bad.length) throw new Error(`feature_spec lacks or mistypes ${bad.join(', ')}`);
  const spec_ = s as AqiFeatureSpec;
  const expected = [
    'level',
    ...Array.from({ length: spec_.n_lags }, (_, k) => `r_lag_${k}`),
    'r_mean_3',
    `r_mean_${spec_.long_window}`,
    `r_std_${spec_.season}`,
    'n_missing',
    ...(spec_.resolution === 'hourly' ? ['hour'] : []),
    'dow',
  ];
  if (expected.join(',') !== featureNames.join(',')) {
    throw new Error(`the model's features are not the ones feature_spec defines (${expected.join(',')})`);
  }
  if (spec_.history_steps < Math.max(spec_.season, spec_.n_lags, spec_.long_window, 3)) {
    throw new Error('feature_spec.history_steps is shorter than the longest window');
  }
  return spec_;
}

/**
 * Features from the readings of one window, oldest first with the anchor's reading last (NaN or
 * null = missing), or null when too few recent readings are valid to forecast. A shorter window
 * counts as missing readings before its start.
 */
export function windowFeatures(
  window: ArrayLike<number | null>,
  anchor: Date,
  spec: AqiFeatureSpec,
): Float32Array | null {
  const H = spec.history_steps;
  // y[i], i = 0 … H-1, the anchor at H-1; what the window does not reach is missing.
  const y = new Float64Array(H).fill(Number.NaN);
  const take = Math.min(window.length, H);
  for (let i = 0; i < take; i++) {
    const v = window[window.length - take + i];
    y[H - take + i] = typeof v === 'number' ? v : Number.NaN;
  }
  const validOf = (n: number) => Array.from(y.subarray(H - n)).filter((v) => Number.isFinite(v));
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  const season = validOf(spec.season);
  if (season.length < spec.min_level_readings) return null;
  const seasonMean = mean(season);
  const level = Math.max(spec.level_floor, seasonMean);
  const f: number[] = [level];
  for (let k = 0; k < spec.n_lags; k++) {
    const v = y[H - 1 - k]!;
    f.push(Number.isFinite(v) ? v / level : Number.NaN);
  }
  const m3 = validOf(3);
  f.push(m3.length ? mean(m3) / level : Number.NaN);
  const long = validOf(spec.long_window);
  f.push(long.length >= spec.min_long_readings ? mean(long) / level : Number.NaN);
  // Population standard deviation (ddof 0), as numpy's default.
  f.push(Math.sqrt(mean(season.map((v) => (v - seasonMean) ** 2))) / level);
  f.push(spec.season - season.length);
  if (spec.resolution === 'hourly') f.push(anchor.getUTCHours());
  f.push((anchor.getUTCDay() + 6) % 7); // pandas dayofweek: Monday = 0
  return Float32Array.from(f);
}

/** A reading as the store holds it. */
export interface Reading {
  at: Date;
  value: number;
}

/** The grid step of a time: the nearest one, as training's loader snapped readings. */
export function gridStepOf(at: Date, spec: AqiFeatureSpec): Date {
  const step = STEP_MS[spec.resolution];
  return new Date(Math.round(at.getTime() / step) * step);
}

/**
 * The times whose readings `gridWindow(…, anchor, …)` places (`from <= at < to`): the
 * `history_steps` slots up to and including the anchor's, each reaching half a step either side,
 * as `gridStepOf` rounds (a half step rounds up, to the later slot).
 */
export function windowBounds(anchor: Date, spec: AqiFeatureSpec): { from: Date; to: Date } {
  const step = STEP_MS[spec.resolution];
  const last = gridStepOf(anchor, spec).getTime();
  return {
    from: new Date(last - (spec.history_steps - 0.5) * step),
    to: new Date(last + 0.5 * step),
  };
}

/**
 * The `history_steps` grid slots up to and including `anchor` (oldest first), each holding the
 * mean of the readings that snap to it (training's loader averaged duplicates), NaN where none.
 */
export function gridWindow(readings: readonly Reading[], anchor: Date, spec: AqiFeatureSpec): Float64Array {
  const step = STEP_MS[spec.resolution];
  const H = spec.history_steps;
  const sums = new Float64Array(H);
  const counts = new Uint16Array(H);
  const last = gridStepOf(anchor, spec).getTime();
  for (const r of readings) {
    const i = H - 1 - (last - gridStepOf(r.at, spec).getTime()) / step;
    if (i < 0 || i >= H) continue;
    sums[i] = sums[i]! + r.value;
    counts[i] = counts[i]! + 1;
  }
  return sums.map((s, i) => (counts[i] ? s / counts[i] : Number.NaN));
}
