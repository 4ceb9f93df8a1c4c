/** The explain command, run in-process through the same function scripts/explain.ts calls. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runExplainCli } from './cli.ts';
import { loadTreeExplainer } from './explainer.ts';

const BINARY = path.join(import.meta.dirname, '..', 'fixtures', 'binary.onnx');
const MULTICLASS = path.join(import.meta.dirname, '..', 'fixtures', 'multiclass.onnx');

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runExplainCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('npm run explain', () => {
  let dir = '';
  const file = (name: string) => path.join(dir, name);
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'treeshap-cli-'));
    await writeFile(
      file('rows.json'),
      JSON.stringify([
        [0.1, -1, 2, 0.3, null, 1],
        [null, null, null, null, null, null],
      ]),
    );
    await writeFile(file('narrow.json'), JSON.stringify([[1, 2, 3]]));
    await writeFile(file('text.json'), JSON.stringify([[1, 2, 3, 4, 5, 'six']]));
    await writeFile(file('broken.json'), '[[1, 2,');
    await writeFile(file('four.json'), JSON.stringify([[0.5, null, -1, 2]]));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints {"values", "bias"} whose rows add up to the margin', async () => {
    const { code, stdout } = await run(['--model', BINARY, '--rows', file('rows.json')]);
    assert.equal(code, 0);
    const out = JSON.parse(stdout) as { values: number[][]; bias: number[] };
    const ex = await loadTreeExplainer(BINARY);
    assert.equal(out.values.length, 2);
    out.values.forEach((v, r) => {
      const row = r === 0 ? [0.1, -1, 2, 0.3, null, 1] : new Array<null>(6).fill(null);
      const sum = v.reduce((a, b) => a + b, 0) + out.bias[r]!;
      assert.ok(Math.abs(sum - ex.margin(row)[0]!) < 1e-9);
    });
  });

  it('multi-class models print values and bias per class', async () => {
    const { code, stdout } = await run(['--model', MULTICLASS, '--rows', file('four.json')]);
    assert.equal(code, 0);
    const out = JSON.parse(stdout) as { values: number[][][]; bias: number[][] };
    assert.equal(out.values.length, 3);
    assert.equal(out.bias.length, 3);
    assert.equal(out.values[0]![0]!.length, 4);
  });

  it('EXPECTED FAILURE - missing model file', async () => {
    const r = await run(['--model', file('nope.onnx'), '--rows', file('rows.json')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /model .*nope\.onnx: no such file/);
    assert.equal(r.stdout, '');
  });

  it('EXPECTED FAILURE - missing rows file', async () => {
    const r = await run(['--model', BINARY, '--rows', file('nope.json')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /rows .*nope\.json: no such file/);
  });

  it('EXPECTED FAILURE - row has wrong width', async () => {
    const r = await run(['--model', BINARY, '--rows', file('narrow.json')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /row 0 has 3 values; the model reads 6/);
  });

  it('EXPECTED FAILURE - non-numeric value', async () => {
    const r = await run(['--model', BINARY, '--rows', file('text.json')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /row 0, feature 5 is "six"; expected a number or null/);
  });

  it('EXPECTED FAILURE - rows file is not JSON', async () => {
    const r = await run(['--model', BINARY, '--rows', file('broken.json')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not JSON/);
  });

  it('EXPECTED FAILURE - model is not ONNX', async () => {
    const r = await run(['--model', file('rows.json'), '--rows', file('rows.json')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not an ONNX model|no TreeEnsemble/);
  });

  it('EXPECTED FAILURE - no arguments prints usage, exit 2', async () => {
    const r = await run([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: npm run explain/);
  });
});
