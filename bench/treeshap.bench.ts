/**
 * `npm run bench:treeshap`: exact TreeSHAP rows per second, ours (TypeScript, one thread) against
 * xgboost's own `pred_contribs` (C++, nthread=1) on the same model and the same rows, and the ratio.
 *
 * For each case, bench/xgb_contribs.py trains a binary xgboost model on synthetic data (with missing
 * values) and writes it both as booster JSON and as ONNX (opset 3, hit rates = cover); both sides
 * then explain the same float32 rows. Each side explains batches of 100 rows until `--seconds` have passed, so a slow
 * machine gives smaller numbers, never a failure. The parity of the two outputs is reported too.
 *
 *   npm run bench:treeshap -- --rows 2000 --seconds 2
 *
 * Cases: `flood-1.0.0` (when models/flood/1.0.0/ has model.onnx, xgboost_model.json and
 * test_vectors.json) is the real flood model, its test-vector rows cycled up to `--rows`; `synthetic`
 * is trained here with the flood model's shape (training/configs/flood.json: 150 trees of depth 4,
 * 6 features); `deep` is a larger synthetic model (300 trees of depth 8, 20 features);
 * `aqi-1.0.0` is the served AQI forecaster (24 horizons, 2,400 trees): one horizon's explanation,
 * which serving asks for, walking only that horizon's trees, against all 24 walked and one kept
 * (what serving did before the `targets` option), in the same run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadTreeExplainer, type ExplainerOptions } from '../packages/treeshap/src/index.ts';
import { ratio } from './lib.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '2' },
    python: { type: 'string', default: '/usr/bin/python3' },
    cases: { type: 'string', default: 'flood-1.0.0,synthetic,deep,aqi-1.0.0' },
  },
});
const nRows = Number(args.rows);
const seconds = Number(args.seconds);
const helper = path.join(import.meta.dirname, 'xgb_contribs.py');

const CASES: Record<string, { trees: number; depth: number; features: number }> = {
  synthetic: { trees: 150, depth: 4, features: 6 },
  deep: { trees: 300, depth: 8, features: 20 },
};

function python(argv: string[]): any {
  const out = execFileSync(args.python, [helper, ...argv], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

async function f32(file: string): Promise<Float32Array> {
  const buf = await readFile(file);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/**
 * Rows per second of our explainer: batches of up to 100 rows, cycling through the rows, until
 * `seconds` have passed (at least one batch after a warm-up batch), so slow machines just take
 * fewer batches. Returns the full explanation of the first `check` rows for the parity figure.
 */
async function ours(
  dir: string,
  rows: Float32Array,
  algorithm: ExplainerOptions['algorithm'],
  check: number,
) {
  const explainer = await loadTreeExplainer(path.join(dir, 'model.onnx'), { algorithm });
  const F = explainer.nFeatures;
  const n = rows.length / F;
  const batch = Math.min(100, n);
  const out = new Float64Array(batch * (F + 1));
  explainer.explainFlat(rows.subarray(0, batch * F), batch, out); // warm-up: lets V8 optimise the hot loops
  let done = 0;
  let start = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000 || done === 0) {
    const size = Math.min(batch, n - start);
    explainer.explainFlat(rows.subarray(start * F, (start + size) * F), size, out);
    done += size;
    start = (start + size) % n;
    elapsed = performance.now() - t0;
  }
  const checked = explainer.explainFlat(rows.subarray(0, check * F), check).flat;
  return { rowsPerSecond: done / (elapsed / 1000), checked };
}

const results: Record<string, unknown> = {};

/** The committed flood model: same ONNX and booster the serving code and training produced. */
async function realModel(name: string): Promise<void> {
  const dir = path.join(import.meta.dirname, '..', 'models', 'flood', name.slice('flood-'.length));
  const files = ['model.onnx', 'xgboost_model.json', 'test_vectors.json'].map((f) => path.join(dir, f));
  if (!files.every((f) => existsSync(f))) {
    results[name] = { skipped: `needs ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}` };
    return;
  }
  const tv = JSON.parse(await readFile(files[2]!, 'utf8')) as {
    inputs: (number | null)[][];
    contribs: number[][];
  };
  const F = tv.inputs[0]!.length;
  const rows = new Float32Array(nRows * F);
  for (let r = 0; r < nRows; r++) {
    tv.inputs[r % tv.inputs.length]!.forEach((v, f) => (rows[r * F + f] = v ?? Number.NaN));
  }
  const tmp = await mkdtemp(path.join(tmpdir(), `treeshap-bench-${name}-`));
  try {
    await writeFile(path.join(tmp, 'rows.f32'), rows);
    const check = tv.inputs.length;
    const fast = await ours(dir, rows, 'fast', check);
    const alg2 = await ours(dir, rows, 'path', 0);
    let maxAbsDiff = 0;
    tv.contribs.forEach((c, r) =>
      c.forEach((v, f) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs(fast.checked[r * (F + 1) + f]! - v)))),
    );
    const xgb = python([
      'time', '--model', files[1]!, '--rows', path.join(tmp, 'rows.f32'), '--features', String(F),
      '--seconds', String(seconds),
    ]); // prettier-ignore
    results[name] = summarise(
      { file: path.relative(process.cwd(), files[0]!), features: F },
      { fast, alg2, xgb, maxAbsDiff, check },
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** One benchmark case's figures: our two algorithms against xgboost, in the same run. */
function summarise(
  model: Record<string, unknown>,
  m: {
    fast: { rowsPerSecond: number };
    alg2: { rowsPerSecond: number };
    xgb: { rowsPerSecond: number; xgboost: string };
    maxAbsDiff: number;
    check: number;
  },
) {
  return {
    model,
    rows: nRows,
    oursRowsPerSecond: Math.round(m.fast.rowsPerSecond),
    oursAlgorithm2RowsPerSecond: Math.round(m.alg2.rowsPerSecond),
    xgboostRowsPerSecond: Math.round(m.xgb.rowsPerSecond),
    ratioOursToXgboost: ratio(m.fast.rowsPerSecond, m.xgb.rowsPerSecond),
    ratioAlgorithm2ToXgboost: ratio(m.alg2.rowsPerSecond, m.xgb.rowsPerSecond),
    maxAbsDiffVsXgboost: Number(m.maxAbsDiff.toPrecision(3)),
    parityRows: m.check,
    xgboostVersion: m.xgb.xgboost,
  };
}

/** Rows per second of `explain` over batches of 100 rows until `seconds` have passed. */
function rowsPerSecond(
  explain: (rows: Float32Array, n: number) => unknown,
  rows: Float32Array,
  F: number,
): number {
  const batch = 100;
  const n = rows.length / F;
  explain(rows.subarray(0, batch * F), batch);
  let done = 0;
  const started = performance.now();
  while (done === 0 || performance.now() - started < seconds * 1000) {
    const at = (done % n) * F;
    const slice = rows.subarray(at, Math.min(rows.length, at + batch * F));
    explain(slice, slice.length / F);
    done += slice.length / F;
  }
  return done / ((performance.now() - started) / 1000);
}

async function multiOutput(name: string): Promise<void> {
  const file = path.join(import.meta.dirname, '..', 'models', name.replace('-', '/'), 'model.onnx');
  if (!existsSync(file)) {
    results[name] = { skipped: `no ${file}` };
    return;
  }
  const ex = await loadTreeExplainer(await readFile(file));
  const F = ex.nFeatures;
  const rows = new Float32Array(F * Math.min(nRows, 1000)).map((_, i) => ((i * 7919) % 97) / 20 - 1);
  const one = rowsPerSecond((r, n) => ex.explain(r, n, 0), rows, F);
  const all = rowsPerSecond((r, n) => ex.explainAll(r, n)[0], rows, F);
  results[name] = {
    targets: ex.nTargets,
    trees: ex.source.trees,
    oneTargetRowsPerSecond: Math.round(one),
    allTargetsRowsPerSecond: Math.round(all),
    speedup: ratio(one, all),
  };
}

for (const name of args.cases.split(',')) {
  if (name.startsWith('flood-')) {
    await realModel(name);
    continue;
  }
  if (name.startsWith('aqi-')) {
    await multiOutput(name);
    continue;
  }
  const shape = CASES[name];
  if (!shape) throw new Error(`unknown case ${name}; known: ${Object.keys(CASES).join(', ')}`);
  const dir = await mkdtemp(path.join(tmpdir(), `treeshap-bench-${name}-`));
  try {
    python([
      'prepare',
      '--out',
      dir,
      '--rows',
      String(nRows),
      ...Object.entries(shape).flatMap(([k, v]) => [`--${k}`, String(v)]),
    ]);
    const rows = await f32(path.join(dir, 'rows.f32'));
    const expected = await f32(path.join(dir, 'contribs.f32'));
    const check = Math.min(nRows, 500);
    const fast = await ours(dir, rows, 'fast', check);
    const alg2 = await ours(dir, rows, 'path', 0);
    let maxAbsDiff = 0;
    for (let i = 0; i < fast.checked.length; i++) {
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(fast.checked[i]! - expected[i]!));
    }
    const xgb = python([
      'time', '--model', path.join(dir, 'model.json'), '--rows', path.join(dir, 'rows.f32'),
      '--features', String(shape.features), '--seconds', String(seconds),
    ]); // prettier-ignore
    results[name] = summarise(
      { ...shape, kind: 'xgboost binary:logistic -> ONNX TreeEnsembleClassifier opset 3' },
      { fast, alg2, xgb, maxAbsDiff, check },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify({ threads: 1, seconds, node: process.version, results }, null, 2));
