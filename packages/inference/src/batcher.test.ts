import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { Batcher, createBatcherMetrics } from './batcher.ts';

describe('Batcher', () => {
  it('merges items submitted by concurrent callers into one call', async () => {
    const calls: number[][] = [];
    const batcher = new Batcher<number, number>(
      'double',
      (items) => {
        calls.push([...items]);
        return Promise.resolve(items.map((x) => x * 2));
      },
      { maxBatchSize: 100, maxWaitMs: 5 },
    );
    const results = await Promise.all([1, 2, 3].map((x) => batcher.submit(x)));
    assert.deepEqual(results, [2, 4, 6]);
    assert.deepEqual(calls, [[1, 2, 3]]);
  });

  it('splits at maxBatchSize and counts batches and sizes', async () => {
    const registry = new Registry();
    const calls: number[] = [];
    const batcher = new Batcher<number, number>(
      'id',
      (items) => {
        calls.push(items.length);
        return Promise.resolve([...items]);
      },
      { maxBatchSize: 4, maxWaitMs: 0 },
      createBatcherMetrics(registry),
    );
    const out = await batcher.submitMany([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(out, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(calls, [4, 4, 2]);
    const text = await registry.metrics();
    assert.match(text, /batcher_batches_total\{model="id"\} 3/);
  });

  it('rejects only the item whose result is an Error, and every item when the call throws', async () => {
    const batcher = new Batcher<number, number>(
      'odd',
      (items) => {
        if (items.includes(99)) return Promise.reject(new Error('model down'));
        return Promise.resolve(items.map((x) => (x % 2 ? new Error(`odd ${x}`) : x)));
      },
      { maxBatchSize: 10, maxWaitMs: 1 },
    );
    const [a, b] = await Promise.allSettled([batcher.submit(2), batcher.submit(3)]);
    assert.deepEqual(a, { status: 'fulfilled', value: 2 });
    assert.equal(b.status, 'rejected');
    await assert.rejects(batcher.submit(99), /model down/);
  });

  it('refuses a batch size below one', () => {
    assert.throws(() => new Batcher('x', () => Promise.resolve([]), { maxBatchSize: 0, maxWaitMs: 0 }));
  });
});
