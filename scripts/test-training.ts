/**
 * `npm run test:training`: the training side of CI. Python unit tests of training/ (converter,
 * simulators, loaders, generators) and a smoke training of each model on tiny data, with Debian's
 * /usr/bin/python3 (see training/README.md). The ONNX parity tests against onnxruntime-node are
 * in the unit tests; flake8, black and the quick pytest tests in `npm run check:python`. Off CI, a machine without the Debian packages skips with a message.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const PYTHON = '/usr/bin/python3';
const SMOKE: [string, string][] = [
  ['flood', 'training/configs/flood.json'],
  ['aqi', 'training/configs/aqi.json'],
  ['image', 'training/configs/image.json'],
  ['energy', 'training/configs/energy.json'],
  ['energy', 'training/configs/energy_taylor.json'],
  ['flood-segmentation', 'training/configs/flood_segmentation.json'],
];

const probe = spawnSync(PYTHON, ['-c', 'import xgboost, sklearn, onnx, torch, pandas, PIL'], {
  encoding: 'utf8',
});
if (probe.status !== 0) {
  const message = `${PYTHON} lacks the training packages (apt-get install python3-xgboost python3-sklearn python3-onnx python3-torch python3-pandas python3-pil)`;
  if (process.env['CI']) {
    console.error(message);
    process.exit(1);
  }
  console.log(`skipped: ${message}`);
  process.exit(0);
}

const run = (what: string, args: string[], cwd = ROOT) => {
  const started = Date.now();
  const result = spawnSync(PYTHON, args, { cwd, stdio: 'inherit' });
  console.log(
    `${result.status === 0 ? 'ok' : 'FAILED'}: ${what} (${Math.round((Date.now() - started) / 1000)} s)`,
  );
  return result.status === 0;
};

let ok = run(
  'python tests (pytest, the slow ones too)',
  ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'],
  path.join(ROOT, 'training'),
);
for (const [model, config] of SMOKE) {
  ok =
    run(`smoke training: ${model} (${path.basename(config)})`, [
      'training/train.py',
      model,
      '--config',
      config,
      '--smoke',
    ]) && ok;
}
// The feature store's side of training: history → pipeline → point-in-time export → train.py
// --features, against the same config trained in memory (scripts/train-from-store.ts).
for (const model of ['flood', 'aqi']) {
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/train-from-store.ts', model, '--smoke', '--compare'],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  console.log(
    `${result.status === 0 ? 'ok' : 'FAILED'}: ${model} from the feature store, compared with in memory (${Math.round((Date.now() - started) / 1000)} s)`,
  );
  ok = result.status === 0 && ok;
}
// The EDA and explainability notebooks (docs/notebooks/), executed into a temporary folder: a
// failing cell fails here; the committed HTML is neither compared nor rewritten. Without jupyter
// the script skips with a message off CI and fails on CI.
{
  const started = Date.now();
  const out = mkdtempSync(path.join(tmpdir(), 'cityassist-notebooks-'));
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/notebooks.ts', '--out', out], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  rmSync(out, { recursive: true, force: true });
  console.log(
    `${result.status === 0 ? 'ok' : 'FAILED'}: notebooks executed (${Math.round((Date.now() - started) / 1000)} s)`,
  );
  ok = result.status === 0 && ok;
}
process.exit(ok ? 0 : 1);
