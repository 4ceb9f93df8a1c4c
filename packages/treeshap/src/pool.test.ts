import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadTreeExplainer } from './explainer.ts';
import { ExplainerPool } from './pool.ts';

const model = path.resolve(import.meta.dirname, '../../../models/flood/1.0.0/model.onnx');

describe('ExplainerPool', async () => {
  const explainer = await loadTreeExplainer(model);
  const pool = new ExplainerPool(model, explainer, { threads: 1 });
  const inline = new ExplainerPool(model, explainer, { threads: 0 });
  after(() => pool.close());

  const rows = new Float32Array(7 * 40).map((_, i) => ((i * 7919) % 97) / 4);
  rows[3] = Number.NaN;

  it('answers from a worker thread exactly what the inline explainer answers', async () => {
    assert.equal(pool.threads, 1);
    const [a, b] = await Promise.all([pool.explain(rows, 40), inline.explain(rows, 40)]);
    assert.deepEqual(a, b);
    assert.deepEqual(a, explainer.explain(rows, 40));
  });

  it("a multi-output model's target is explained in the worker exactly as inline, from its trees only", async () => {
    const aqi = path.resolve(import.meta.dirname, '../../../models/aqi/1.0.0/model.onnx');
    const aqiExplainer = await loadTreeExplainer(aqi);
    const aqiPool = new ExplainerPool(aqi, aqiExplainer, { threads: 1 });
    try {
      const x = new Float32Array(aqiExplainer.nFeatures * 10).map((_, i) => ((i * 31) % 17) / 10);
      const [a, b] = await Promise.all([aqiPool.explain(x, 10, 5), aqiPool.explain(x, 10, 0)]);
      assert.deepEqual(a, aqiExplainer.explainAll(x)[5]);
      assert.deepEqual(b, aqiExplainer.explainAll(x)[0]);
      await assert.rejects(aqiPool.explain(x, 10, 24), /target 24 of 24/);
    } finally {
      await aqiPool.close();
    }
  });

  it('explains a batch of at most inlineRows rows on the calling thread, a larger one in the worker', async () => {
    const small = new ExplainerPool(model, explainer, { threads: 1, inlineRows: 2 });
    try {
      const before = small.workerTasks;
      assert.deepEqual(
        await small.explain(rows.subarray(0, 14), 2),
        explainer.explain(rows.subarray(0, 14), 2),
      );
      assert.equal(small.workerTasks, before, 'two rows: no worker task');
      assert.deepEqual(
        await small.explain(rows.subarray(0, 21), 3),
        explainer.explain(rows.subarray(0, 21), 3),
      );
      assert.equal(small.workerTasks, before + 1, 'three rows: one worker task');
    } finally {
      await small.close();
    }
  });

  it('keeps the event loop free while a worker explains', async () => {
    const many = new Float32Array(7 * 2000).map((_, i) => ((i * 104729) % 101) / 3);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await pool.explain(many, 2000);
    clearInterval(timer);
    // Inline, 2000 rows block the loop for the whole computation and no tick can run.
    assert.ok(ticks > 0, 'the interval ran while the worker explained');
  });
});
