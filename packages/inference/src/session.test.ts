import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { withTimeout } from './deadline.ts';
import { OnnxModel } from './session.ts';

const FLOOD = path.resolve(import.meta.dirname, '../../../models/flood/1.0.0');
/** Enough rows that one run of the flood model takes well over the deadlines below (~0.2 s). */
const ROWS = 150_000;
const rows = (n: number) => new Float32Array(n * 7).map((_, i) => (i % 7) * 3 + (i % 11));

describe('OnnxModel backends', () => {
  let inline: OnnxModel;
  let worker: OnnxModel;
  before(async () => {
    inline = await OnnxModel.load(FLOOD);
    worker = await OnnxModel.load(FLOOD, undefined, { backend: 'worker' });
  });
  after(async () => {
    await inline.close();
    await worker.close();
  });

  it('scores the same rows to the same probabilities on either backend', async () => {
    const a = await inline.predictProbability(rows(470), 470);
    const b = await worker.predictProbability(rows(470), 470);
    assert.deepEqual([...b], [...a]);
    assert.equal(worker.backend, 'worker');
    await worker.ping();
  });

  it('EXPECTED FAILURE - a slow call on the worker backend is cut off at its deadline, the event loop free meanwhile', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    const began = performance.now();
    await assert.rejects(
      withTimeout(worker.predictProbability(rows(ROWS), ROWS), 30, 'too slow'),
      /too slow/,
    );
    const took = performance.now() - began;
    clearInterval(timer);
    assert.ok(took < 150, `answered after ${Math.round(took)} ms, not at the 30 ms deadline`);
    assert.ok(ticks >= 2, `the event loop ran ${ticks} timer ticks during the call`);
  });

  it('EXPECTED FAILURE - a slow inline call, which no timer can interrupt, is refused once it returns', async () => {
    await assert.rejects(
      withTimeout(inline.predictProbability(rows(ROWS), ROWS), 30, 'too slow'),
      /too slow/,
    );
  });
});
