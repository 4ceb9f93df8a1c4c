import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { DriftMonitor, type DriftEvent } from './drift-monitor.ts';
import { bucketOf, ModelRouter, type ModelDefinition } from './router.ts';
import { ServedModel } from './served-model.ts';

const MODELS = path.resolve(import.meta.dirname, '../../../../models/flood');
const silent = { info() {}, warn() {}, error() {} };

/** A zone's flood inputs, in the model's order; `rain` is the hour's rain. */
interface Row {
  zone: string;
  rain: number;
}
/** The smallest definition there is: the router knows nothing else about the model. */
const definition: ModelDefinition<Row, number> = {
  name: 'flood',
  idPrefix: 'pred',
  keyOf: (r) => r.zone,
  inputsOf: (r) => Float32Array.from([r.rain, 60, 90, 4, 1, 0.5, 0]),
  answer: (raw) => raw['probabilities']![1]!,
  baseline: () => 0.004,
  compare: (a, b) => ({ difference: Math.abs(a - b), agree: a >= 0.5 === b >= 0.5 }),
};
const zones = (n: number, rain = 30) => Array.from({ length: n }, (_, i) => ({ zone: `z${i}`, rain }));

function routerOf(registry: Registry, drift?: DriftEvent[]) {
  const loaded: ServedModel[] = [];
  const router = new ModelRouter(
    definition,
    async (version) => {
      const model = await ServedModel.load(path.join(MODELS, version), {
        backend: 'inline',
        idPrefix: 'pred',
        outputs: ['probabilities'],
        batch: { maxBatchSize: 1024, maxWaitMs: 0 },
        timeoutMs: 0,
        explainThreads: 0,
      });
      loaded.push(model);
      const monitor = drift
        ? new DriftMonitor(
            { name: 'flood', version, features: model.features },
            { warning: 0.1, drift: 0.25, window: 1000, minRows: 50 },
            (e) => {
              drift.push(e);
              return Promise.resolve();
            },
            registry,
          )
        : undefined;
      return { model, drift: monitor };
    },
    { canaryAssignment: 'key', fallbackMaxAgeSeconds: 3600 },
    silent,
    registry,
  );
  return { router, loaded };
}

describe('ModelRouter', () => {
  it('a canary answers its share of keys, the same keys every time', async () => {
    const { router } = routerOf(new Registry());
    try {
      await router.apply({ champion: '1.0.0', canary: { version: '1.1.0', share: 0.25 } });
      const rows = zones(400);
      const first = await router.score(rows);
      const share = first.filter((a) => a.version === '1.1.0').length / rows.length;
      assert.ok(share > 0.18 && share < 0.32, `${share} of keys met the canary`);
      const again = await router.score(rows);
      assert.deepEqual(
        again.map((a) => a.version),
        first.map((a) => a.version),
      );
      first.forEach((a, i) =>
        assert.equal(a.version, bucketOf(`flood:${rows[i]!.zone}`) < 0.25 ? '1.1.0' : '1.0.0'),
      );
      assert.deepEqual(router.assignment, {
        champion: '1.0.0',
        canary: { version: '1.1.0', share: 0.25 },
        shadow: undefined,
      });
    } finally {
      await router.close();
    }
  });

  it('a shadow scores the champion rows after the answer and is compared, never answering', async () => {
    const registry = new Registry();
    const { router } = routerOf(registry);
    try {
      await router.apply({ champion: '1.0.0', shadow: '1.1.0' });
      const answers = await router.score(zones(20));
      assert.ok(answers.every((a) => a.version === '1.0.0'));
      await new Promise((r) => setTimeout(r, 50));
      const s = router.shadowAgreement()!;
      assert.equal(s.comparisons, 20);
      assert.equal(s.shadow, '1.1.0');
      assert.ok(s.agreements <= 20 && s.sumAbsDifference >= 0);
      assert.match(
        await registry.metrics(),
        /shadow_comparisons_total\{model="flood",champion="1.0.0",shadow="1.1.0"\} 20/,
      );
    } finally {
      await router.close();
    }
  });

  it('EXPECTED FAILURE - a failing model: the last good answer, else the baseline, each degraded', async () => {
    const registry = new Registry();
    const { router, loaded } = routerOf(registry);
    try {
      await router.apply({ champion: '1.0.0' });
      const [good] = await router.score([{ zone: 'a', rain: 30 }]);
      assert.equal(good!.degraded, false);
      await loaded[0]!.onnx.close(); // the session is gone: every run now throws
      const [last, none] = await router.score([
        { zone: 'a', rain: 35 },
        { zone: 'b', rain: 30 },
      ]);
      assert.equal(last!.degraded, true);
      assert.equal(last!.fallback?.source, 'last-prediction');
      assert.equal(last!.output, good!.output, 'the last good answer, not a made-up one');
      assert.equal(none!.fallback?.source, 'baseline');
      assert.equal(none!.version, 'baseline');
      assert.equal(none!.output, 0.004);
      assert.deepEqual(await router.explain([none!]), [undefined], 'a baseline explains nothing');
      const text = await registry.metrics();
      assert.match(text, /prediction_fallbacks_total\{model="flood",source="last-prediction"\} 1/);
      assert.match(text, /prediction_fallbacks_total\{model="flood",source="baseline"\} 1/);
    } finally {
      await router.close();
    }
  });

  it('EXPECTED FAILURE - an assignment with a version that cannot load changes nothing', async () => {
    const { router } = routerOf(new Registry());
    try {
      await router.apply({ champion: '1.0.0' });
      await assert.rejects(router.apply({ champion: '1.0.0', canary: { version: '9.9.9', share: 0.5 } }));
      assert.deepEqual(router.assignment, { champion: '1.0.0', canary: undefined, shadow: undefined });
    } finally {
      await router.close();
    }
  });

  it('EXPECTED FAILURE - a shadow that cannot load is left out: the champion still serves', async () => {
    // A replica that lacks a retraining candidate's files (pinned images, another volume) must
    // start and answer; the shadow never answers anyone, so losing it costs only the comparison.
    const { router } = routerOf(new Registry());
    try {
      await router.apply({ champion: '1.0.0', shadow: '9.9.9-r202612041852' });
      assert.deepEqual(router.assignment, { champion: '1.0.0', canary: undefined, shadow: undefined });
      const [answer] = await router.score(zones(1));
      assert.equal(answer!.degraded, false);
      assert.equal(answer!.version, '1.0.0');
    } finally {
      await router.close();
    }
  });

  it("every answered row reaches its version's drift monitor", async () => {
    const events: DriftEvent[] = [];
    const { router } = routerOf(new Registry(), events);
    try {
      await router.apply({ champion: '1.0.0' });
      // 60 distinct zones in a downpour the training data rarely saw: rain_1h_mm drifts.
      await router.score(Array.from({ length: 60 }, (_, i) => ({ zone: `z${i}`, rain: 100 + i })));
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(router.championDrift!.current().rows === 60);
      assert.ok(events.some((e) => e.feature === 'rain_1h_mm' && e.level === 'DRIFT'));
    } finally {
      await router.close();
    }
  });

  it('spreads keys over [0, 1) by hash, stable for a key', () => {
    const buckets = Array.from({ length: 2000 }, (_, i) => bucketOf(`flood:zone-${i}`));
    assert.equal(bucketOf('flood:zone-1'), buckets[1]);
    const below = buckets.filter((b) => b < 0.1).length / buckets.length;
    assert.ok(below > 0.07 && below < 0.13, `${below} of zones under 0.1`);
  });
});
