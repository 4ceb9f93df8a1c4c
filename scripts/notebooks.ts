/**
 * `npm run notebooks`: executes every docs/notebooks/*.ipynb top to bottom with Debian's
 * `jupyter nbconvert` (kernel python3 = /usr/bin/python3) and renders it to HTML in
 * docs/notebooks/html/ (committed). `--out DIR` renders elsewhere (scripts/test-training.ts runs
 * them into a temporary folder, so tests never compare or rewrite the committed HTML). Exits 1 if a
 * notebook fails; without jupyter/matplotlib it skips with a message, except on CI where it fails.
 *   apt-get install jupyter-nbconvert python3-ipykernel python3-matplotlib python3-nbformat
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const NOTEBOOKS = path.join(ROOT, 'docs', 'notebooks');
const JUPYTER = '/usr/bin/jupyter';
const outFlag = process.argv.indexOf('--out');
const outDir = path.resolve(outFlag >= 0 ? process.argv[outFlag + 1]! : path.join(NOTEBOOKS, 'html'));

const probe = spawnSync(
  '/usr/bin/python3',
  ['-c', 'import matplotlib, nbformat, ipykernel, nbconvert, onnx, torch, scipy, pandas, PIL'],
  { encoding: 'utf8' },
);
const nbconvert = spawnSync(JUPYTER, ['nbconvert', '--version'], { encoding: 'utf8' });
if (probe.status !== 0 || nbconvert.status !== 0) {
  const message =
    'the notebooks need Debian jupyter-nbconvert, python3-ipykernel, python3-matplotlib and python3-nbformat (apt-get install them)';
  if (process.env['CI']) {
    console.error(`${message}\n${probe.stderr ?? ''}${nbconvert.error?.message ?? ''}`);
    process.exit(1);
  }
  console.log(`skipped: ${message}`);
  process.exit(0);
}

const notebooks = readdirSync(NOTEBOOKS)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();
let ok = notebooks.length > 0;
for (const notebook of notebooks) {
  const started = Date.now();
  const result = spawnSync(
    JUPYTER,
    [
      'nbconvert',
      '--to',
      'html',
      '--template',
      'classic',
      '--execute',
      '--ExecutePreprocessor.timeout=300',
      '--ExecutePreprocessor.kernel_name=python3',
      '--output-dir',
      outDir,
      path.join(NOTEBOOKS, notebook),
    ],
    {
      cwd: NOTEBOOKS,
      encoding: 'utf8',
      // One core: the CI machine is shared. The variable silences debugpy's frozen-modules warning.
      env: {
        ...process.env,
        OMP_NUM_THREADS: '1',
        MKL_NUM_THREADS: '1',
        OPENBLAS_NUM_THREADS: '1',
        PYDEVD_DISABLE_FILE_VALIDATION: '1',
      },
    },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status === 0) {
    console.log(`ok: ${notebook} → ${path.relative(ROOT, outDir)}/ (${seconds} s)`);
  } else {
    ok = false;
    console.error(`FAILED: ${notebook} (${seconds} s)\n${result.stderr}${result.error?.message ?? ''}`);
  }
}
process.exit(ok ? 0 : 1);
