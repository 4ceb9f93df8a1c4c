import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createInferenceMetrics } from '../session.ts';
import { createCacheMetrics, createPredictionCache } from './prediction-cache.ts';
import { ServedModel, type CachedExplanation, type RawOutputs } from './served-model.ts';

const MODELS = path.resolve(import.meta.dirname, '../../../../models');
const silent = { info() {}, warn() {}, error() {} };
const value = async (registry: Registry, name: string, cache?: string) =>
  (await registry.getSingleMetric(name)?.get())?.values
    .filter((v) => !cache || v.labels['cache'] === cache)
    .reduce((s, v) => s + v.value, 0) ?? 0;

/** Flood 1.0.0's input rows: rain varies, the terrain does not. */
const rows = (n: number, rain: number) =>
  Array.from({ length: n }, (_, i) => Float32Array.from([rain + i, 50, 80, 5, 1, 0.3, 0]));

const options = {
  backend: 'inline' as const,
  idPrefix: 'pred',
  outputs: ['probabilities'],
  batch: { maxBatchSize: 1024, maxWaitMs: 0 },
  timeoutMs: 0,
  explainThreads: 0,
};

for (const store of ['memory', 'redis'] as const) {
  describe(`a served model with its caches in ${store}`, () => {
    it('sends only uncached rows to the model and answers the same numbers; explanations likewise', async () => {
      const registry = new Registry();
      const metrics = createCacheMetrics(registry);
      const cacheOptions = {
        redisUrl: store === 'redis' ? 'redis://127.0.0.1:6379' : undefined,
        ttlSeconds: 60,
        metrics,
        logger: silent,
      };
      const cache = await createPredictionCache<RawOutputs>({ ...cacheOptions, name: 'outputs' });
      const explanationCache = await createPredictionCache<CachedExplanation>({
        ...cacheOptions,
        name: 'explanation',
      });
      const model = await ServedModel.load(path.join(MODELS, 'flood/1.0.0'), {
        ...options,
        metrics: createInferenceMetrics(registry),
        cache,
        explanationCache,
      });
      try {
        assert.ok(model.testVectors > 0, 'it reproduced its test vectors before serving');
        const rain = Math.random() * 50; // fresh inputs: nothing from an earlier run is cached
        const first = await model.predict(rows(10, rain));
        const rowsAfterFirst = await value(registry, 'inference_rows_total');
        const second = await model.predict(rows(12, rain)); // 10 seen before, 2 new
        assert.equal((await value(registry, 'inference_rows_total')) - rowsAfterFirst, 2);
        assert.deepEqual(second.slice(0, 10), first);
        assert.equal(await value(registry, 'cache_hits_total', 'outputs'), 10);
        assert.equal(await value(registry, 'cache_misses_total', 'outputs'), 12);
        assert.deepEqual(Object.keys(first[0]!.raw), ['probabilities'], 'only the declared outputs');
        assert.match(first[0]!.id, /^pred-[0-9a-f]{16}$/);

        const items = first.map((p, i) => ({ id: p.id, inputs: rows(10, rain)[i]! }));
        const explained = await model.explain(items);
        assert.deepEqual(await model.explain(items), explained);
        assert.equal(await value(registry, 'cache_hits_total', 'explanation'), 10);
        const e = explained[0]!;
        const sum = e.contributions.reduce((s, c) => s + c.contribution, e.baseValue);
        const p = first[0]!.raw['probabilities']![1]!;
        assert.ok(Math.abs(sum - Math.log(p / (1 - p))) < 1e-4, 'contributions + base = logit(p)');
      } finally {
        await model.close();
        await cache.close();
        await explanationCache.close();
      }
    });
  });
}

describe('loading a served model', () => {
  it('EXPECTED FAILURE - a version without test_vectors.json does not load', async () => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'served-'));
    try {
      const dir = path.join(tmp, '1.0.0');
      await cp(path.join(MODELS, 'flood/1.0.0'), dir, { recursive: true });
      await rm(path.join(dir, 'test_vectors.json'));
      await assert.rejects(ServedModel.load(dir, options), /no test_vectors\.json/);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('a version whose files break the training–serving contract does not load, naming the violation', async () => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'served-'));
    try {
      const dir = path.join(tmp, '1.0.0');
      await cp(path.join(MODELS, 'flood/1.0.0'), dir, { recursive: true });
      const vectorsFile = path.join(dir, 'test_vectors.json');
      const vectors = JSON.parse(await readFile(vectorsFile, 'utf8')) as Record<string, unknown>;
      await writeFile(vectorsFile, JSON.stringify({ ...vectors, margins: 'none' }));
      await assert.rejects(ServedModel.load(dir, options), /breaks the training–serving contract: \/margins/);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('EXPECTED FAILURE - a folder whose metadata names another version does not load', async () => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'served-'));
    try {
      await cp(path.join(MODELS, 'flood/1.0.0'), path.join(tmp, '2.0.0'), { recursive: true });
      await assert.rejects(
        ServedModel.load(path.join(tmp, '2.0.0'), options),
        /says version 1\.0\.0, the folder 2\.0\.0/,
      );
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('EXPECTED FAILURE - a model that misses its deadline fails the call, it does not hang', async () => {
    const model = await ServedModel.load(path.join(MODELS, 'flood/1.0.0'), {
      ...options,
      backend: 'worker',
      batch: { maxBatchSize: 1024, maxWaitMs: 50 },
      timeoutMs: 5,
    });
    try {
      await assert.rejects(model.predict(rows(1, 3)), /did not answer within 5 ms/);
    } finally {
      await model.close();
    }
  });
});

describe('prediction cache with Redis away', () => {
  it('EXPECTED FAILURE - Redis refusing connections: served uncached, counted, not thrown', async () => {
    const registry = new Registry();
    const cache = await createPredictionCache({
      redisUrl: 'redis://127.0.0.1:1',
      ttlSeconds: 60,
      metrics: createCacheMetrics(registry),
      logger: silent,
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
