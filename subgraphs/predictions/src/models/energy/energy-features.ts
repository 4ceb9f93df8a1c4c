/**
 * The energy forecaster's input row from a zone's recent load and temperature: the serving contract
 * written in the model's metadata.json (`feature_spec.columns`, one operation per input column),
 * mirrored from the reference implementation `window_features` in
 * training/cityassist_training/energy/features.py. The load check replays every worked example of
 * the version's test_vectors.json (`windows`) through this code.
 */

/** One input column's rule, as metadata.json → feature_spec.columns spells it. */
export type ColumnOp =
  | { name: string; op: 'level'; window: number; min_valid: number }
  | { name: string; op: 'load_ratio' | 'temp'; lag: number }
  | {
      name: string;
      op: 'load_mean_ratio' | 'load_std_ratio' | 'temp_mean' | 'temp_max' | 'temp_min';
      window: number;
      min_valid: number;
    }
  | { name: string; op: 'missing_count'; window: number }
  | { name: string; op: 'local_hour' | 'local_dow' };

/** metadata.json → `feature_spec`: what the rules below read. */
export interface EnergyFeatureSpec {
  resolution: 'hourly' | 'half-hourly';
  step_seconds: number;
  /** D: steps per day. */
  season: number;
  /** Wk: steps per week. */
  week: number;
  horizons: number;
  utc_offset_hours: number;
  level_floor: number;
  /** Loads (and temperatures) the features look back over, the anchor's included. */
  history_steps: number;
  columns: ColumnOp[];
}

const OPS = new Set([
  'level',
  'load_ratio',
  'temp',
  'load_mean_ratio',
  'load_std_ratio',
  'temp_mean',
  'temp_max',
  'temp_min',
  'missing_count',
  'local_hour',
  'local_dow',
]);

/** Checks a metadata `feature_spec` has what the rules read and names the model's columns in order. */
export function assertFeatureSpec(spec: unknown, featureNames: readonly string[]): EnergyFeatureSpec {
  const s = spec as Partial<EnergyFeatureSpec> | undefined;
  const ints = ['step_seconds', 'season', 'week', 'horizons', 'history_steps'] as const;
  const bad = [
    ...(s && (s.resolution === 'hourly' || s.resolution === 'half-hourly') ? [] : ['resolution']),
    ...ints.filter((k) => !Number.isInteger(s?.[k]) || s![k]! < 1),
    ...(typeof s?.level_floor === 'number' ? [] : ['level_floor']),
    ...(typeof s?.utc_offset_hours === 'number' ? [] : ['utc_offset_hours']),
    ...(Array.isArray(s?.columns) && s.columns.every((c) => OPS.has(c?.op)) ? [] : ['columns']),
  ];
  if (bad.length) throw new Error(`feature_spec lacks or mistypes ${bad.join(', ')}`);
  const spec_ = s as EnergyFeatureSpec;
  levelOf(spec_);
  const names = spec_.columns.map((c) => c.name);
  if (names.join(',') !== featureNames.join(',')) {
    throw new Error(`the model's features are not the columns feature_spec defines (${names.join(',')})`);
  }
  const reach = Math.max(
    ...spec_.columns.map((c) => ('lag' in c ? c.lag + 1 : 'window' in c ? c.window : 1)),
  );
  if (spec_.history_steps < reach) throw new Error('feature_spec.history_steps is shorter than the longest window');
  return spec_;
}

/** The `level` column: every forecast needs its recent level (assertFeatureSpec checks it is there). */
export function levelOf(spec: EnergyFeatureSpec): Extract<ColumnOp, { op: 'level' }> {
  const level = spec.columns.find((c): c is Extract<ColumnOp, { op: 'level' }> => c.op === 'level');
  if (!level) throw new Error('feature_spec.columns has no level column');
  return level;
}

/** `history_steps` values, oldest first, the anchor's last; what the window does not reach is NaN. */
function padded(values: ArrayLike<number | null>, n: number): Float64Array {
  const y = new Float64Array(n).fill(Number.NaN);
  const take = Math.min(values.length, n);
  for (let i = 0; i < take; i++) {
    const v = values[values.length - take + i];
    y[n - take + i] = typeof v === 'number' ? v : Number.NaN;
  }
  return y;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The input row from one zone's loads and temperatures (oldest first, the anchor's last; NaN or
 * null = missing), or null when too few recent loads are valid to forecast.
 */
export function windowFeatures(
  loads: ArrayLike<number | null>,
  temps: ArrayLike<number | null> | null,
  anchor: Date,
  spec: EnergyFeatureSpec,
): Float32Array | null {
  const n = spec.history_steps;
  const y = padded(loads, n);
  const t = padded(temps ?? [], n);
  const validOf = (x: Float64Array, w: number) => Array.from(x.subarray(n - w)).filter((v) => Number.isFinite(v));
  const local = new Date(anchor.getTime() + spec.utc_offset_hours * 3_600_000);
  const f: number[] = [];
  let level = Number.NaN;
  for (const c of spec.columns) {
    switch (c.op) {
      case 'level': {
        const v = validOf(y, c.window);
        if (v.length < c.min_valid) return null;
        level = Math.max(spec.level_floor, mean(v));
        f.push(level);
        break;
      }
      case 'load_ratio': {
        const x = y[n - 1 - c.lag]!;
        f.push(Number.isFinite(x) ? x / level : Number.NaN);
        break;
      }
      case 'load_mean_ratio': {
        const v = validOf(y, c.window);
        f.push(v.length >= c.min_valid ? mean(v) / level : Number.NaN);
        break;
      }
      case 'load_std_ratio': {
        // Population standard deviation (ddof 0), as numpy's default.
        const v = validOf(y, c.window);
        const m = mean(v);
        f.push(v.length >= c.min_valid ? Math.sqrt(mean(v.map((x) => (x - m) ** 2))) / level : Number.NaN);
        break;
      }
      case 'missing_count':
        f.push(c.window - validOf(y, c.window).length);
        break;
      case 'temp': {
        const x = t[n - 1 - c.lag]!;
        f.push(Number.isFinite(x) ? x : Number.NaN);
        break;
      }
      case 'temp_mean':
      case 'temp_max':
      case 'temp_min': {
        const v = validOf(t, c.window);
        const pick = c.op === 'temp_mean' ? mean(v) : c.op === 'temp_max' ? Math.max(...v) : Math.min(...v);
        f.push(v.length >= c.min_valid ? pick : Number.NaN);
        break;
      }
      case 'local_hour':
        f.push(local.getUTCHours() + local.getUTCMinutes() / 60);
        break;
      case 'local_dow':
        f.push((local.getUTCDay() + 6) % 7); // pandas dayofweek: Monday = 0
        break;
    }
  }
  return Float32Array.from(f);
}
