import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createInferenceMetrics, OnnxModel } from '@cityassist/inference';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { ExplainerPool, loadTreeExplainer } from '@cityassist/treeshap';
import { Registry } from 'prom-client';
import type { DriftMonitor } from '../drift/drift-monitor.ts';
import { startPredictionsService } from '../service.ts';
import { testConfig } from '../testing.ts';
import { FloodModel } from './flood-model.ts';
import { baselineOf, bucketOf, FloodRouter } from './flood-router.ts';

const logger = createLogger('test', 'silent');
const MODELS = path.resolve(import.meta.dirname, '../../../../models/flood');
const row = (zoneId: string, rain: number) => ({
  zoneId,
  asOf: new Date('2015-03-15T16:00:00Z'),
  values: {
    rain_1h_mm: rain,
    rain_24h_mm: 60,
    rain_72h_mm: 90,
    elevation_mean_m: 4,
    elevation_min_m: 1,
    low_lying_share: 0.5,
  },
});

async function routerOf(registry: Registry): Promise<{ router: FloodRouter; onnx: OnnxModel }> {
  const metrics = createInferenceMetrics(registry);
  let onnx!: OnnxModel;
  const router = new FloodRouter(
    'flood',
    async (version) => {
      onnx = await OnnxModel.load(path.join(MODELS, version), metrics);
      const file = path.join(MODELS, version, 'model.onnx');
      const model = new FloodModel(
        onnx,
        new ExplainerPool(file, await loadTreeExplainer(file), { threads: 0 }),
        {
          batch: { maxBatchSize: 64, maxWaitMs: 0 },
          timeoutMs: 0,
        },
      );
      return { model, drift: undefined as unknown as DriftMonitor };
    },
    { canaryAssignment: 'zone', fallbackMaxAgeSeconds: 3600 },
    logger,
    registry,
  );
  await router.apply({ champion: '1.0.0' });
  return { router, onnx };
}

describe('FloodRouter fallbacks', () => {
  it('EXPECTED FAILURE - a failing model: the last good prediction, else the baseline, each marked degraded', async () => {
    const registry = new Registry();
    const { router, onnx } = await routerOf(registry);
    const [good] = await router.score([row('a', 30)]);
    assert.equal(good!.degraded, false);
    await onnx.close(); // the session is gone: every run now throws
    const [last, none] = await router.score([row('a', 35), row('b', 30)]);
    assert.equal(last!.degraded, true);
    assert.equal(last!.fallback?.source, 'last-prediction');
    assert.equal(last!.probability, good!.probability, 'the last good answer, not a made-up one');
    assert.equal(none!.degraded, true);
    assert.equal(none!.fallback?.source, 'baseline');
    assert.equal(none!.model.version, 'baseline');
    assert.ok(none!.probability > 0 && none!.probability < 0.01, 'the training flood rate');
    assert.equal(none!.probability, baselineOf(router.champion));
    const [explained] = await router.explain([none!]);
    assert.deepEqual(explained!.contributions, [], 'a baseline explains nothing');
    const text = await registry.metrics();
    assert.match(text, /prediction_fallbacks_total\{model="flood",source="last-prediction"\} 1/);
    assert.match(text, /prediction_fallbacks_total\{model="flood",source="baseline"\} 1/);
  });

  it('spreads zones over [0, 1) by hash, stable for a key', () => {
    const buckets = Array.from({ length: 2000 }, (_, i) => bucketOf(`flood:zone-${i}`));
    assert.equal(bucketOf('flood:zone-1'), buckets[1]);
    const below = buckets.filter((b) => b < 0.1).length / buckets.length;
    assert.ok(below > 0.07 && below < 0.13, `${below} of zones under 0.1`);
  });
});

describe('a model that times out, through the subgraph', () => {
  // The batcher holds rows 50 ms and the timeout is 10 ms: every model call times out.
  const subject = subgraphUnderTest(
    () => Promise.resolve({ dataDir: 'memory://', [Symbol.asyncDispose]: () => Promise.resolve() }),
    (database) =>
      startPredictionsService(
        testConfig(database, { INFERENCE_BATCH_WAIT_MS: '50', MODEL_TIMEOUT_MS: '10' }),
        logger,
      ),
  );

  it('EXPECTED FAILURE - answers degraded with a PREDICTION_DEGRADED entry beside the data', async () => {
    const zone = '260960005000010';
    const { data, errors } = await subject.gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Zone { floodRisk { degraded probability model { version } explain(top: 3) { feature } } } } }`,
      { r: [{ __typename: 'Zone', id: zone }] },
    );
    const risk = data!['_entities'][0].floodRisk;
    assert.equal(risk.degraded, true);
    assert.equal(risk.model.version, 'baseline');
    assert.deepEqual(risk.explain, []);
    assert.equal(errors?.length, 1);
    assert.equal(errors[0]!.extensions?.['code'], 'PREDICTION_DEGRADED');
    assert.deepEqual(errors[0]!.path, ['_entities', 0, 'floodRisk']);
    assert.match(errors[0]!.message, /did not answer within 10 ms/);
  });
});
