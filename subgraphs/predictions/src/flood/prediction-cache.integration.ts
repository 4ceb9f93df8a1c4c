import type { CachedExplanation } from '../explain/cached-explanations.ts';
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createInferenceMetrics, OnnxModel } from '@cityassist/inference';
import { ExplainerPool, loadTreeExplainer } from '@cityassist/treeshap';
import { createLogger } from '@cityassist/service-kit';
import { Registry } from 'prom-client';
import { FloodModel } from './flood-model.ts';
import { createCacheMetrics, createPredictionCache } from './prediction-cache.ts';

const MODEL_DIR = path.resolve(import.meta.dirname, '../../../../models/flood/1.0.0');
const logger = createLogger('test', 'silent');
const value = async (registry: Registry, name: string) =>
  (await registry.getSingleMetric(name)?.get())?.values.reduce((s, v) => s + v.value, 0) ?? 0;

const rows = (n: number, rain: number) =>
  Array.from({ length: n }, (_, i) => ({
    zoneId: `z${i}`,
    asOf: new Date('2015-03-15T16:00:00Z'),
    values: {
      rain_1h_mm: rain + i,
      rain_24h_mm: 50,
      rain_72h_mm: 80,
      elevation_mean_m: 5,
      elevation_min_m: 1,
      low_lying_share: 0.3,
    },
  }));

for (const backend of ['memory', 'redis'] as const) {
  describe(`prediction cache in ${backend}`, () => {
    it('sends only uncached rows to the model, and answers the same numbers', async () => {
      const registry = new Registry();
      const onnx = await OnnxModel.load(MODEL_DIR, createInferenceMetrics(registry));
      const metrics = createCacheMetrics(registry);
      const cache = await createPredictionCache({
        redisUrl: backend === 'redis' ? 'redis://127.0.0.1:6379' : undefined,
        ttlSeconds: 60,
        metrics,
        logger,
      });
      try {
        const onnxPath = path.join(MODEL_DIR, 'model.onnx');
        const explainer = new ExplainerPool(onnxPath, await loadTreeExplainer(onnxPath), { threads: 0 });
        const explanationCache = await createPredictionCache<CachedExplanation>({
          name: 'explanation',
          redisUrl: backend === 'redis' ? 'redis://127.0.0.1:6379' : undefined,
          ttlSeconds: 60,
          metrics,
          logger,
        });
        const model = new FloodModel(onnx, explainer, {
          cache,
          explanationCache,
          batch: { maxBatchSize: 1024, maxWaitMs: 0 },
          timeoutMs: 0,
        });
        const rain = Math.random() * 50; // fresh inputs: nothing from an earlier run is cached
        const first = await model.score(rows(10, rain));
        const rowsAfterFirst = await value(registry, 'inference_rows_total');
        const second = await model.score(rows(12, rain)); // 10 seen before, 2 new
        assert.equal((await value(registry, 'inference_rows_total')) - rowsAfterFirst, 2);
        assert.deepEqual(
          second.slice(0, 10).map((r) => r.score),
          first.map((r) => r.score),
        );
        assert.equal(await value(registry, 'cache_hits_total'), 10);
        assert.equal(await value(registry, 'cache_misses_total'), 12);

        // Explanations: computed once per prediction id, then read back unchanged from the cache.
        const explained = await model.explain(first);
        const again = await model.explain(first);
        assert.deepEqual(again, explained);
        const hits = await registry.getSingleMetric('cache_hits_total')?.get();
        assert.equal(hits?.values.find((v) => v.labels['cache'] === 'explanation')?.value, 10);
        const sum = explained[0]!.contributions.reduce((s, c) => s + c.contribution, explained[0]!.baseValue);
        const p = first[0]!.probability;
        assert.ok(Math.abs(sum - Math.log(p / (1 - p))) < 1e-4, 'contributions + base = logit(p)');
        await explanationCache.close();
      } finally {
        await cache.close();
        await onnx.close();
      }
    });
  });
}

describe('prediction cache with Redis away', () => {
  it('EXPECTED FAILURE - Redis refusing connections: served uncached, counted, not thrown', async () => {
    const registry = new Registry();
    const cache = await createPredictionCache({
      redisUrl: 'redis://127.0.0.1:1',
      ttlSeconds: 60,
      metrics: createCacheMetrics(registry),
      logger,
    });
    try {
      assert.equal((await cache.getMany(['a', 'b'])).size, 0);
      await cache.setMany([['a', 0.5]]);
      assert.equal(await value(registry, 'cache_errors_total'), 2);
      assert.equal(await value(registry, 'cache_misses_total'), 2);
    } finally {
      await cache.close();
    }
  });
});
