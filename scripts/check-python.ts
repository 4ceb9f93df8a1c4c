/**
 * `npm run check:python`: the Python side of `npm run check`, as ESLint and Prettier are for the
 * TypeScript tree: flake8 (lint), black --check (format) and the quick pytest tests of training/
 * (`-m "not slow"`; the smoke trainings run in `npm run test:training`). Debian's /usr/bin/python3
 * with its black, flake8 and python3-pytest packages; off CI a machine without them skips with a
 * message, on CI that is a failure.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const TRAINING = path.resolve(import.meta.dirname, '../training');
const PYTHON = '/usr/bin/python3';

const probe = spawnSync(PYTHON, ['-c', 'import black, flake8, pytest, xgboost, onnx'], { encoding: 'utf8' });
if (probe.status !== 0) {
  const message = `${PYTHON} lacks black, flake8, pytest or the training packages (apt-get install black flake8 python3-pytest python3-xgboost python3-onnx …, see training/README.md)`;
  if (process.env['CI']) {
    console.error(message);
    process.exit(1);
  }
  console.log(`skipped: ${message}`);
  process.exit(0);
}

let ok = true;
for (const [what, args] of [
  ['flake8', ['-m', 'flake8', '.']],
  ['black --check', ['-m', 'black', '--check', '--quiet', '.']],
  ['pytest (not slow)', ['-m', 'pytest', '-q', '-m', 'not slow', '-p', 'no:cacheprovider']],
] as const) {
  const started = Date.now();
  const result = spawnSync(PYTHON, args, { cwd: TRAINING, stdio: 'inherit' });
  const passed = result.status === 0;
  console.log(`${passed ? 'ok' : 'FAILED'}: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  ok &&= passed;
}
process.exit(ok ? 0 : 1);
