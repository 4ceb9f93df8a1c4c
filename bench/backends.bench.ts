/**
 * `npm run bench:backends`: the two session backends of packages/inference, side by side for every
 * tabular model the predictions service serves, so each model's `<NAME>_MODEL_BACKEND` is chosen by
 * measurement. Per model and batch size (one row; a dashboard's worth of rows): the p50 time of a
 * call inline and in a worker thread, their ratio, and what each does to the event loop — the
 * longest a 1 ms timer waited while calls ran back to back (inline, a run holds the loop for its
 * whole duration; in a worker it does not). Both backends are measured in the same run, alternating.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { OnnxModel, type ModelBackend } from '@cityassist/inference';
import { measure, ratio } from './lib.ts';

const MODELS = path.resolve(import.meta.dirname, '../models');
/** Model, version, and the batch a dashboard query sends it (470 zones; 12 AQI sensors). */
const CASES: [string, string, number][] = [
  ['flood', '1.0.0', 470],
  ['aqi', '1.0.0', 12],
  ['energy', '1.0.0', 470],
];
const RUNS = Number(process.env['BENCH_RUNS'] ?? 200);

/** `rows` input rows, cycling through the version's own test vectors (NaN for null). */
function rowsOf(dir: string, rows: number): Float32Array {
  const vectors = JSON.parse(readFileSync(path.join(dir, 'test_vectors.json'), 'utf8')) as {
    inputs: (number | null)[][];
  };
  const width = vectors.inputs[0]!.length;
  const out = new Float32Array(rows * width);
  for (let i = 0; i < rows; i++) {
    out.set(
      vectors.inputs[i % vectors.inputs.length]!.map((v) => v ?? Number.NaN),
      i * width,
    );
  }
  return out;
}

/** The longest a 1 ms timer waited, in ms, while `fn` ran `runs` times back to back. */
async function loopBlocking(fn: () => Promise<unknown>, runs: number): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const timer = setInterval(() => {}, 1);
  h.enable();
  for (let i = 0; i < runs; i++) await fn();
  h.disable();
  clearInterval(timer);
  return Math.round((h.max / 1e6) * 100) / 100;
}

const results: Record<string, unknown>[] = [];
for (const [name, version, batch] of CASES) {
  const dir = path.join(MODELS, name, version);
  const models = {} as Record<ModelBackend, OnnxModel>;
  for (const backend of ['inline', 'worker'] as const) {
    models[backend] = await OnnxModel.load(dir, undefined, { backend });
  }
  for (const rows of [1, batch]) {
    const data = rowsOf(dir, rows);
    // A fresh copy per call: the worker takes its buffer over.
    const call = (backend: ModelBackend) => () => models[backend].run(data.slice(), rows);
    const inline = await measure(call('inline'), { warmup: 20, runs: RUNS });
    const worker = await measure(call('worker'), { warmup: 20, runs: RUNS });
    results.push({
      model: `${name} ${version}`,
      rows,
      inlineP50Ms: inline.p50Ms,
      workerP50Ms: worker.p50Ms,
      workerOverInline: ratio(worker.p50Ms, inline.p50Ms),
      inlineLoopBlockMs: await loopBlocking(call('inline'), 50),
      workerLoopBlockMs: await loopBlocking(call('worker'), 50),
    });
  }
  for (const m of Object.values(models)) await m.close();
}
console.table(results);
console.log(JSON.stringify({ bench: 'backends', runs: RUNS, results }));
