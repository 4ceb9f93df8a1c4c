/**
 * `npm run train:from-store -- <flood|aqi> [--smoke] [--compare] [--work DIR] [--out DIR]`: a model
 * trained the way a city's would be, from its feeds through the feature store:
 *
 *   simulated history written as raw feeds (cityassist_training.<model>.history)
 *     → the model's pipeline (npm run etl -- run …) into a fresh embedded store
 *     → a point-in-time export of its labels (npm run features -- export …)
 *     → train.py <model> --features <export>
 *
 * With --compare the same config is also trained in memory (no store) and the headline metrics are
 * set side by side; a difference above 0.02 fails the run (exit 1). Prints a JSON summary last.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const PYTHON = '/usr/bin/python3';
const TOLERANCE = 0.02;

interface ModelChain {
  config: string;
  /** The pipeline that turns the history's feed into the model's view, and the settings it needs. */
  pipeline: string;
  feed: string;
  env: (history: string) => Record<string, string>;
  view: string;
  /** Headline metrics compared, as paths into the training report's `metrics`. */
  headline: string[];
}

const CHAINS: Record<string, ModelChain> = {
  flood: {
    config: 'training/configs/flood_store.json',
    pipeline: 'rain-gauge',
    feed: 'rain.csv',
    // One gauge on each zone's centroid, read alone: the zone's own rain, as the simulation has it.
    env: (history) => ({
      ETL_RAIN_GAUGE_STATIONS: path.join(history, 'stations.csv'),
      ETL_RAIN_GAUGE_RADIUS_M: '0',
      ETL_RAIN_GAUGE_FALLBACK: '0',
    }),
    view: 'zone_flood_features',
    headline: [
      'time_holdout.roc_auc',
      'time_holdout.pr_auc',
      'time_holdout.brier',
      'space_time_cv.roc_auc',
      'space_time_cv.pr_auc',
    ],
  },
  aqi: {
    config: 'training/configs/aqi.json',
    pipeline: 'air-quality',
    feed: 'readings.csv',
    env: () => ({}),
    view: 'sensor_pm_hourly',
    headline: ['summary.mae', 'summary.rmse', 'summary.coverage'],
  },
};

function fail(message: string): never {
  process.stderr.write(`train-from-store: ${message}\n`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    smoke: { type: 'boolean', default: false },
    compare: { type: 'boolean', default: false },
    work: { type: 'string' },
    out: { type: 'string' },
  },
});
const model = positionals[0] ?? '';
const chain = CHAINS[model];
if (!chain) fail(`usage: train-from-store.ts <${Object.keys(CHAINS).join('|')}> [--smoke] [--compare]`);

const work = path.resolve(values.work ?? mkdtempSync(path.join(tmpdir(), `train-${model}-`)));
const history = path.join(work, 'history');
const store = path.join(work, 'store');
const out = path.resolve(values.out ?? path.join(work, 'models'));
mkdirSync(out, { recursive: true });
const smoke = values.smoke ? ['--smoke'] : [];
const config = path.join(ROOT, chain.config);
const timings: Record<string, number> = {};

function step(name: string, command: string, args: string[], options: SpawnSyncOptions = {}): string {
  const started = Date.now();
  process.stderr.write(`[train-from-store] ${name}\n`);
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
    ...options,
  });
  timings[name] = Math.round((Date.now() - started) / 100) / 10;
  if (result.status !== 0) fail(`${name} failed (exit ${result.status ?? result.signal})`);
  return String(result.stdout);
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

// A store of its own: the embedded default (PGlite + a Parquet folder) under the work folder.
const storeEnv = {
  ...process.env,
  DATA_DIR: store,
  DATABASE_URL: '',
  LOG_LEVEL: 'warn',
  ...chain.env(history),
};
const node = process.execPath;

const written = lastJson(
  step(
    'history',
    PYTHON,
    ['-m', `cityassist_training.${model}.history`, '--config', config, '--out', history, ...smoke],
    { cwd: path.join(ROOT, 'training') },
  ),
);
const run = lastJson(
  step(
    `pipeline ${chain.pipeline}`,
    node,
    ['--import', 'tsx', 'etl/run.ts', 'run', chain.pipeline, '--file', path.join(history, chain.feed)],
    { env: storeEnv },
  ),
);
if (run['status'] !== 'succeeded') fail(`the ${chain.pipeline} run ended ${String(run['status'])}`);
const exportFile = path.join(work, `${model}-features.parquet`);
const exported = lastJson(
  step(
    'point-in-time export',
    node,
    [
      '--import',
      'tsx',
      'etl/src/cli/features.ts',
      'export',
      '--view',
      chain.view,
      '--labels',
      path.join(history, 'labels.csv'),
      '--out',
      exportFile,
    ],
    { env: storeEnv },
  ),
);

const train = (name: string, extra: string[]) => {
  const report = path.join(work, `${name}.report.json`);
  step(`train ${name}`, PYTHON, [
    'training/train.py',
    model,
    '--config',
    config,
    '--out',
    name === 'store' ? out : path.join(work, 'in-memory'),
    '--report',
    report,
    '--experiments',
    path.join(work, 'runs.jsonl'),
    ...smoke,
    ...extra,
  ]);
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as Record<string, unknown> & { model_dir: string };
  // flood's report nests its numbers under `metrics`; aqi's are at the top.
  return { model_dir: parsed.model_dir, metrics: (parsed['metrics'] ?? parsed) as Record<string, unknown> };
};
const fromStore = train('store', ['--features', exportFile]);

const at = (metrics: Record<string, unknown>, key: string) =>
  key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], metrics) as
    number | undefined;
let compared: Record<string, { store: number; memory: number; diff: number }> | undefined;
let ok = true;
if (values.compare) {
  const inMemory = train('memory', []);
  compared = {};
  for (const key of chain.headline) {
    const store = at(fromStore.metrics, key);
    const memory = at(inMemory.metrics, key);
    if (typeof store !== 'number' || typeof memory !== 'number') fail(`no metric ${key} in the reports`);
    const diff = Math.round((store - memory) * 1e4) / 1e4;
    compared[key] = { store, memory, diff };
    if (Math.abs(diff) > TOLERANCE) ok = false;
    process.stderr.write(
      `  ${key.padEnd(28)} store ${store.toFixed(4)}  in memory ${memory.toFixed(4)}  diff ${diff.toFixed(4)}\n`,
    );
  }
}
process.stdout.write(
  `${JSON.stringify({
    model,
    smoke: values.smoke,
    work,
    model_dir: fromStore.model_dir,
    history: written,
    pipeline: { run_id: run['run_id'], rows_read: run['rows_read'], rows_loaded: run['rows_loaded'] },
    export: exported,
    seconds: timings,
    compared,
    tolerance: TOLERANCE,
    status: ok ? 'ok' : 'metrics differ',
  })}\n`,
);
process.exit(ok ? 0 : 1);
