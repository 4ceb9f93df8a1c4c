import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readExperimentLog } from './experiment-log.ts';

const REPO_LOG = path.resolve(import.meta.dirname, '../../../../training/experiments/runs.jsonl');

describe('readExperimentLog', () => {
  it('reads the committed log: every model has a run with metrics', async () => {
    const { runs, skipped } = await readExperimentLog(REPO_LOG);
    assert.equal(skipped, 0);
    for (const model of ['flood', 'aqi', 'image']) {
      const run = runs.find((r) => r.model === model);
      assert.ok(run, `no ${model} run`);
      assert.ok(Object.keys(run.metrics).length > 0, `${model} run has no metrics`);
    }
    const times = runs.map((r) => r.started_at);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
  });

  it('EXPECTED FAILURE - skips and counts lines that are not runs, and a missing log is empty', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'runs-'));
    const file = path.join(dir, 'runs.jsonl');
    await writeFile(
      file,
      '{"model":"m","version":"1","started_at":"2026-01-01T00:00:00Z"}\nnot json\n{"x":1}\n',
    );
    const { runs, skipped } = await readExperimentLog(file);
    assert.equal(runs.length, 1);
    assert.equal(skipped, 2);
    assert.deepEqual(await readExperimentLog(path.join(dir, 'nope.jsonl')), { runs: [], skipped: 0 });
  });
});
