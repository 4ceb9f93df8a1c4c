// Parity of every AQI forecaster's ONNX file with the native library (xgboost) that trained it.
//
//   node_modules/.bin/node --import tsx --test training/tests/aqi_onnx_parity.test.ts
//
// For each models/aqi/<version>/ (or the directories in AQI_MODEL_DIRS, separated by ':', e.g. a
// smoke run's output), runs model.onnx with onnxruntime-node on test_vectors.json's inputs and
// compares every output with the expected values computed by xgboost + float32 numpy:
// `ratio` (unit-free) to 1e-5 absolute; forecast/lower/upper are that ratio times the row's level
// (µg/m³), so they get 1e-5 × max(1, level). The only difference between the two runtimes is the
// order in which they sum the float32 tree leaves.
//
// It also rebuilds the feature vectors of test_vectors.json's `windows` from the raw readings with
// the rules written in metadata.json (feature_spec), so the documented contract the serving side
// implements is checked against the Python reference (features.py: window_features).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Matrix = (number | null)[][];
interface Tolerance {
  abs: number;
  scale?: 'level';
}
interface TestVectors {
  input: string;
  feature_names: string[];
  tolerance: Record<string, Tolerance>;
  inputs: Matrix;
  expected: Record<string, Matrix>;
  windows: { station: string; anchor: string; readings: (number | null)[]; features: (number | null)[] }[];
}
interface FeatureSpec {
  resolution: 'hourly' | 'daily';
  season: number;
  n_lags: number;
  long_window: number;
  horizons: number;
  names: string[];
  history_steps: number;
  level_floor: number;
  min_level_readings: number;
  min_long_readings: number;
}

function modelDirs(): string[] {
  const fromEnv = process.env.AQI_MODEL_DIRS;
  if (fromEnv) return fromEnv.split(':').filter(Boolean);
  const root = join(repo, 'models', 'aqi');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, 'model.onnx')));
}

const toFloat32 = (m: Matrix): Float32Array =>
  Float32Array.from(m.flat().map((v) => (v === null ? Number.NaN : v)));

/** Features of one window, following metadata.json feature_spec (mirror of window_features). */
function featuresFromWindow(
  readings: (number | null)[],
  anchorIso: string,
  spec: FeatureSpec,
): number[] | null {
  let y = readings.map((v) => (v === null ? Number.NaN : v));
  if (y.length < spec.history_steps) {
    y = [...new Array<number>(spec.history_steps - y.length).fill(Number.NaN), ...y];
  }
  y = y.slice(-spec.history_steps);
  const last = (n: number) => y.slice(y.length - n);
  const valid = (xs: number[]) => xs.filter((v) => Number.isFinite(v));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const season = valid(last(spec.season));
  if (season.length < spec.min_level_readings) return null;
  const level = Math.max(spec.level_floor, mean(season));
  const f: number[] = [level];
  for (let k = 0; k < spec.n_lags; k++) {
    const v = y[y.length - 1 - k]!;
    f.push(Number.isFinite(v) ? v / level : Number.NaN);
  }
  const m3 = valid(last(3));
  f.push(m3.length ? mean(m3) / level : Number.NaN);
  const lw = valid(last(spec.long_window));
  f.push(lw.length >= spec.min_long_readings ? mean(lw) / level : Number.NaN);
  const mu = mean(season);
  f.push(Math.sqrt(mean(season.map((v) => (v - mu) ** 2))) / level);
  f.push(spec.season - season.length);
  const anchor = new Date(anchorIso);
  if (spec.resolution === 'hourly') f.push(anchor.getUTCHours());
  f.push((anchor.getUTCDay() + 6) % 7); // Monday = 0
  return f;
}

const dirs = modelDirs();

describe('AQI ONNX parity', () => {
  it('finds at least one model directory', () => {
    assert.ok(dirs.length > 0, 'no models/aqi/*/model.onnx (or AQI_MODEL_DIRS) to check');
  });

  for (const dir of dirs) {
    const name = dir.split('/').slice(-1)[0];
    it(`${name}: onnxruntime matches xgboost on the test vectors`, async () => {
      const tv = JSON.parse(readFileSync(join(dir, 'test_vectors.json'), 'utf8')) as TestVectors;
      const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));
      assert.deepEqual(
        meta.features.map((f: { name: string }) => f.name),
        tv.feature_names,
        'metadata features and test vectors disagree on the input order',
      );
      const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
      assert.deepEqual(session.inputNames, [tv.input]);
      const n = tv.inputs.length;
      const f = tv.feature_names.length;
      const levelAt = tv.feature_names.indexOf('level');
      assert.ok(levelAt >= 0, 'no level input');
      const out = await session.run({ [tv.input]: new ort.Tensor('float32', toFloat32(tv.inputs), [n, f]) });
      for (const [output, expected] of Object.entries(tv.expected)) {
        const tol = tv.tolerance[output];
        assert.ok(tol, `no tolerance for output ${output}`);
        const got = out[output]?.data as Float32Array | undefined;
        assert.ok(got, `ONNX output ${output} missing`);
        const h = expected[0]!.length;
        assert.equal(got.length, n * h, `${output}: shape`);
        let worst = 0;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < h; j++) {
            const e = expected[i]![j] ?? null;
            const g = got[i * h + j]!;
            if (e === null) {
              assert.ok(Number.isNaN(g), `${output}[${i}][${j}]: expected NaN, got ${g}`);
              continue;
            }
            const scale = tol.scale === 'level' ? Math.max(1, tv.inputs[i]![levelAt]!) : 1;
            const err = Math.abs(g - e) / scale;
            worst = Math.max(worst, err);
            assert.ok(
              err <= tol.abs,
              `${output}[${i}][${j}]: onnx ${g} vs native ${e} (scaled error ${err})`,
            );
          }
        }
        assert.ok(worst <= tol.abs);
      }
    });

    it(`${name}: the documented feature rules reproduce the reference features`, () => {
      const tv = JSON.parse(readFileSync(join(dir, 'test_vectors.json'), 'utf8')) as TestVectors;
      const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));
      const spec = meta.feature_spec as FeatureSpec;
      assert.deepEqual(spec.names, tv.feature_names);
      assert.ok(tv.windows.length > 0, 'no windows in test_vectors.json');
      for (const w of tv.windows) {
        const got = featuresFromWindow(w.readings, w.anchor, spec);
        assert.ok(got, `${w.station} ${w.anchor}: no features`);
        got.forEach((v, j) => {
          const e = w.features[j];
          if (e === null || e === undefined) {
            assert.ok(Number.isNaN(v), `${spec.names[j]}: expected NaN, got ${v}`);
          } else {
            assert.ok(
              Math.abs(v - e) <= 1e-5 * Math.max(1, Math.abs(e)),
              `${w.station} ${w.anchor} ${spec.names[j]}: ${v} vs ${e}`,
            );
          }
        });
      }
    });
  }
});
