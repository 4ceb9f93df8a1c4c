// Parity of every energy forecaster's ONNX file with the native library (xgboost) that trained it,
// and of the documented feature recipe with the Python reference.
//
//   PATH=node_modules/.bin:$PATH node --import tsx --test training/tests/energy_onnx_parity.test.ts
//
// For each models/energy/<version>/ (or the directories in ENERGY_MODEL_DIRS, separated by ':', e.g.
// a smoke run's output):
// 1. runs model.onnx with onnxruntime-node on test_vectors.json's inputs and compares every output
//    with xgboost + float32 numpy: `ratio` to 1e-5 absolute, forecast/lower/upper to 1e-5 x max(1, level);
// 2. rebuilds the feature row of every `windows` entry from its raw readings (and temperatures) with
//    one function per `feature_spec.columns[].op` (the code the server must have), and checks it
//    against the Python reference (energy/features.py window_features), including the windows that
//    must give no forecast, and that a window's `input_row` holds the same row;
// 3. for a model with a serving snapshot (metadata.json `snapshot`), reads that CSV the way the server
//    does and checks that its last row gives the snapshot window of test_vectors.json.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Cell = number | null;
type Matrix = Cell[][];
interface Window {
  zone?: string;
  station?: string;
  anchor: string;
  readings: Cell[];
  temperatures?: Cell[];
  features: Cell[] | null;
  kind?: string;
  input_row?: number;
}
interface TestVectors {
  input: string;
  feature_names: string[];
  tolerance: Record<string, { abs: number; scale?: 'level' }>;
  inputs: Matrix;
  expected: Record<string, Matrix>;
  windows: Window[];
}
interface Column {
  name: string;
  op: string;
  lag?: number;
  window?: number;
  min_valid?: number;
}
interface FeatureSpec {
  names: string[];
  history_steps: number;
  utc_offset_hours: number;
  level_floor: number;
  columns: Column[];
}

function modelDirs(): string[] {
  const fromEnv = process.env.ENERGY_MODEL_DIRS;
  if (fromEnv) return fromEnv.split(':').filter(Boolean);
  const root = join(repo, 'models', 'energy');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, 'model.onnx')));
}

const nan = (v: Cell | undefined): number => (v === null || v === undefined ? Number.NaN : v);
const toFloat32 = (m: Matrix): Float32Array => Float32Array.from(m.flat().map(nan));

/** The feature row of one window under feature_spec.columns (mirror of window_features), or null. */
function featuresFromWindow(
  readings: Cell[],
  temperatures: Cell[] | undefined,
  anchorIso: string,
  spec: FeatureSpec,
): number[] | null {
  const pad = (xs: Cell[] | undefined): number[] => {
    const v = (xs ?? []).map(nan);
    const n = spec.history_steps;
    return [...new Array<number>(Math.max(0, n - v.length)).fill(Number.NaN), ...v].slice(-n);
  };
  const y = pad(readings);
  const temp = pad(temperatures);
  const last = (xs: number[], n: number) => xs.slice(xs.length - n);
  const valid = (xs: number[]) => xs.filter((v) => Number.isFinite(v));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const local = new Date(Date.parse(anchorIso) + spec.utc_offset_hours * 3600_000);
  const out: number[] = [];
  let level = Number.NaN;
  for (const c of spec.columns) {
    const w = c.window ?? 0;
    const minValid = c.min_valid ?? 0;
    switch (c.op) {
      case 'level': {
        const v = valid(last(y, w));
        if (v.length < minValid) return null;
        level = Math.max(spec.level_floor, mean(v));
        out.push(level);
        break;
      }
      case 'load_ratio': {
        const x = y[y.length - 1 - c.lag!]!;
        out.push(Number.isFinite(x) ? x / level : Number.NaN);
        break;
      }
      case 'load_mean_ratio': {
        const v = valid(last(y, w));
        out.push(v.length >= minValid ? mean(v) / level : Number.NaN);
        break;
      }
      case 'load_std_ratio': {
        const v = valid(last(y, w));
        const mu = v.length ? mean(v) : Number.NaN;
        out.push(v.length >= minValid ? Math.sqrt(mean(v.map((x) => (x - mu) ** 2))) / level : Number.NaN);
        break;
      }
      case 'missing_count':
        out.push(w - valid(last(y, w)).length);
        break;
      case 'temp': {
        const x = temp[temp.length - 1 - c.lag!]!;
        out.push(Number.isFinite(x) ? x : Number.NaN);
        break;
      }
      case 'temp_mean':
      case 'temp_max':
      case 'temp_min': {
        const v = valid(last(temp, w));
        const f = c.op === 'temp_mean' ? mean(v) : c.op === 'temp_max' ? Math.max(...v) : Math.min(...v);
        out.push(v.length >= minValid ? f : Number.NaN);
        break;
      }
      case 'local_hour':
        out.push(local.getUTCHours() + local.getUTCMinutes() / 60);
        break;
      case 'local_dow':
        out.push((local.getUTCDay() + 6) % 7); // Monday = 0
        break;
      default:
        throw new Error(`unknown feature op ${c.op} (column ${c.name})`);
    }
  }
  return out;
}

function assertRow(got: number[], want: Cell[], names: string[], where: string): void {
  assert.equal(got.length, want.length, `${where}: length`);
  got.forEach((v, j) => {
    const e = want[j];
    if (e === null || e === undefined) {
      assert.ok(Number.isNaN(v), `${where} ${names[j]}: expected NaN, got ${v}`);
    } else {
      assert.ok(Math.abs(v - e) <= 1e-5 * Math.max(1, Math.abs(e)), `${where} ${names[j]}: ${v} vs ${e}`);
    }
  });
}

/** The snapshot CSV as the server reads it: times, temperatures and one column per zone. */
function readSnapshot(path: string): { times: string[]; temps: Cell[]; zones: string[]; loads: Cell[][] } {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  const header = lines[0]!.split(',');
  assert.deepEqual(header.slice(0, 2), ['at_utc', 'temp_c']);
  const zones = header.slice(2);
  const cell = (s: string): Cell => (s === '' ? null : Number(s));
  const rows = lines.slice(1).map((l) => l.split(','));
  return {
    times: rows.map((r) => r[0]!),
    temps: rows.map((r) => cell(r[1]!)),
    zones,
    loads: zones.map((_, z) => rows.map((r) => cell(r[z + 2]!))),
  };
}

const dirs = modelDirs();

describe('energy ONNX parity', () => {
  it('finds at least one model directory', () => {
    assert.ok(dirs.length > 0, 'no models/energy/*/model.onnx (or ENERGY_MODEL_DIRS) to check');
  });

  for (const dir of dirs) {
    const name = dir.split('/').slice(-1)[0];
    const tv = () => JSON.parse(readFileSync(join(dir, 'test_vectors.json'), 'utf8')) as TestVectors;
    const meta = () => JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));

    it(`${name}: onnxruntime matches xgboost on the test vectors`, async () => {
      const v = tv();
      const m = meta();
      assert.deepEqual(
        m.features.map((f: { name: string }) => f.name),
        v.feature_names,
      );
      const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
      assert.deepEqual(session.inputNames, [v.input]);
      assert.deepEqual([...session.outputNames].sort(), ['forecast', 'lower', 'ratio', 'upper']);
      const n = v.inputs.length;
      const f = v.feature_names.length;
      const levelAt = v.feature_names.indexOf('level');
      const out = await session.run({ [v.input]: new ort.Tensor('float32', toFloat32(v.inputs), [n, f]) });
      for (const [output, expected] of Object.entries(v.expected)) {
        const tol = v.tolerance[output]!;
        const got = out[output]!.data as Float32Array;
        const h = m.horizons as number;
        assert.equal(got.length, n * h, `${output}: shape`);
        for (let i = 0; i < n; i++) {
          const scale = tol.scale === 'level' ? Math.max(1, v.inputs[i]![levelAt]!) : 1;
          for (let j = 0; j < h; j++) {
            const e = expected[i]![j];
            const g = got[i * h + j]!;
            if (e === null || e === undefined) {
              assert.ok(Number.isNaN(g), `${output}[${i}][${j}]: expected NaN, got ${g}`);
              continue;
            }
            const err = Math.abs(g - e) / scale;
            assert.ok(
              err <= tol.abs,
              `${output}[${i}][${j}]: onnx ${g} vs native ${e} (scaled error ${err})`,
            );
          }
        }
      }
    });

    it(`${name}: feature_spec.columns reproduce the reference windows`, () => {
      const v = tv();
      const spec = meta().feature_spec as FeatureSpec;
      assert.deepEqual(spec.names, v.feature_names);
      assert.deepEqual(
        spec.columns.map((c) => c.name),
        spec.names,
      );
      assert.ok(v.windows.length >= 5, 'too few windows');
      const kinds = new Set(v.windows.map((w) => w.kind));
      for (const k of ['missing_readings', 'too_short', 'week_boundary']) {
        assert.ok(kinds.has(k), `no ${k} window`);
      }
      for (const w of v.windows) {
        const where = `${w.kind} ${w.zone ?? w.station} ${w.anchor}`;
        assert.equal(w.readings.length, spec.history_steps, `${where}: readings`);
        const got = featuresFromWindow(w.readings, w.temperatures, w.anchor, spec);
        if (w.features === null) {
          assert.equal(got, null, `${where}: expected no forecast`);
          continue;
        }
        assert.ok(got, `${where}: no features`);
        assertRow(got, w.features, spec.names, where);
        if (w.input_row !== undefined) {
          assertRow(got, v.inputs[w.input_row]!, spec.names, `${where} input_row`);
        }
      }
    });

    const snapshot = meta().snapshot as { files: { path: string; sha256: string }[] } | undefined;
    if (snapshot && !process.env.ENERGY_MODEL_DIRS) {
      it(`${name}: the snapshot's last row gives the snapshot window`, () => {
        const v = tv();
        const spec = meta().feature_spec as FeatureSpec;
        const snap = readSnapshot(join(repo, snapshot.files[0]!.path));
        assert.equal(snap.times.length, spec.history_steps);
        const zones = JSON.parse(readFileSync(join(repo, 'data', 'olinda', 'zones.geojson'), 'utf8'));
        assert.deepEqual(
          snap.zones,
          zones.features.map((f: { properties: { id: string } }) => f.properties.id),
        );
        const w = v.windows.find((x) => x.kind === 'snapshot');
        assert.ok(w, 'no snapshot window in test_vectors.json');
        const z = snap.zones.indexOf(w.zone!);
        assert.ok(z >= 0);
        assert.equal(new Date(snap.times.at(-1)!).toISOString(), new Date(w.anchor).toISOString());
        const got = featuresFromWindow(snap.loads[z]!, snap.temps, snap.times.at(-1)!, spec);
        assert.ok(got);
        assertRow(got, w.features!, spec.names, 'snapshot');
      });
    }
  }
});
