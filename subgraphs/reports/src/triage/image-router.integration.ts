import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEventBus, MODEL_CHANGED, type EventBus } from '@cityassist/events';
import {
  createCacheMetrics,
  createPredictionCache,
  type Assignment,
  type CachedScoredImage,
  type DriftEvent,
} from '@cityassist/inference';
import sharp from 'sharp';
import { modelsWithCopy, sceneImages } from '@cityassist/inference/testing';
import { createLogger } from '@cityassist/service-kit';
import { Registry } from 'prom-client';
import { parseConfig } from '../config.ts';
import { followImageAssignment, parseAssignment } from './image-assignment.ts';
import { brightnessOf, RoutedImageClassifier } from './image-router.ts';

const logger = createLogger('test', 'silent');

/** Distinct photos: the model's scenes, each tinted a little differently. */
async function photos(n: number): Promise<Buffer[]> {
  const scenes = Object.values(await sceneImages());
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      scenes[i % scenes.length]!.clone()
        .modulate({ brightness: 1 + (i % 7) / 50 })
        .png()
        .toBuffer(),
    ),
  );
}

const counter = async (registry: Registry, name: string) =>
  (await registry.getMetricsAsJSON())
    .find((m) => m.name === name)
    ?.values.reduce((s, v) => s + Number(v.value), 0) ?? 0;

describe('the image model on the shared router', () => {
  let models: { dir: string } & AsyncDisposable;
  let classifier: RoutedImageClassifier;
  const registry = new Registry();
  const driftEvents: DriftEvent[] = [];
  before(async () => {
    models = await modelsWithCopy('image', '1.0.0', '1.0.1');
    const config = parseConfig({ MODELS_DIR: models.dir });
    const cache = await createPredictionCache<CachedScoredImage>({
      name: 'image',
      ttlSeconds: 60,
      metrics: createCacheMetrics(registry),
      logger,
    });
    classifier = await RoutedImageClassifier.starter(
      config.triage,
      40e6,
      registry,
      logger,
      {
        options: { warning: 0.1, drift: 0.25, window: 100, minRows: 8 },
        sink: (event) => {
          driftEvents.push(event);
          return Promise.resolve();
        },
      },
      cache,
    )({ champion: '1.0.0' });
  });
  after(async () => {
    await classifier.close();
    await models[Symbol.asyncDispose]();
  });

  it('a canary triages its share of photos, chosen by the photo: the same photo meets the same version', async () => {
    await classifier.apply({ champion: '1.0.0', canary: { version: '1.0.1', share: 0.5 } }, models.dir);
    const batch = await photos(12);
    const first = await Promise.all(batch.map((p) => classifier.classify(p)));
    const versions = new Set(first.map((c) => c.model.version));
    assert.deepEqual([...versions].sort(), ['1.0.0', '1.0.1']);
    const again = await Promise.all(batch.map((p) => classifier.classify(p)));
    assert.deepEqual(
      again.map((c) => c.model.version),
      first.map((c) => c.model.version),
    );
    // Twins answer alike: whichever version triaged, the label is the model's.
    assert.deepEqual(
      again.map((c) => c.label),
      first.map((c) => c.label),
    );
  });

  it("a shadow classifies the champion's photos after the answer and agrees with its twin", async () => {
    await classifier.apply({ champion: '1.0.0', shadow: '1.0.1' }, models.dir);
    const before = await counter(registry, 'shadow_comparisons_total');
    const answers = await Promise.all((await photos(4)).map((p) => classifier.classify(p)));
    assert.ok(
      answers.every((a) => a.model.version === '1.0.0'),
      'the shadow never answers',
    );
    for (let i = 0; i < 50 && (await counter(registry, 'shadow_comparisons_total')) < before + 4; i++) {
      await sleep(20);
    }
    assert.equal((await counter(registry, 'shadow_comparisons_total')) - before, 4);
    assert.equal(
      classifier.router.shadowAgreement()?.agreements,
      classifier.router.shadowAgreement()?.comparisons,
    );
  });

  it('watches drift on what stands for a photo: brightness against training, confidence against test', async () => {
    await classifier.apply({ champion: '1.0.0' }, models.dir);
    // Night photos: far darker than any training image (their brightness is 0.2-0.65).
    const dark = await Promise.all(
      (await photos(10)).map((p, i) =>
        sharp(p)
          .modulate({ brightness: 0.15 + i / 200 })
          .png()
          .toBuffer(),
      ),
    );
    for (const p of dark) await classifier.classify(p);
    for (let i = 0; i < 50 && !driftEvents.some((e) => e.feature === 'brightness'); i++) await sleep(20);
    const drift = classifier.router.championDrift!.current();
    const brightness = drift.features.find((f) => f.feature === 'brightness')!;
    assert.ok(brightness.psi >= 0.25 && brightness.level === 'DRIFT', JSON.stringify(drift.features));
    assert.ok(drift.features.some((f) => f.feature === 'confidence'));
    assert.ok(
      driftEvents.some((e) => e.model === 'image' && e.feature === 'brightness' && e.level === 'DRIFT'),
    );
    assert.match(
      await registry.metrics(),
      /model_feature_psi\{model="image",version="1\.0\.0",feature="brightness"\}/,
    );
  });

  it('measures brightness as training did: the mean pixel value in [0, 1]', async () => {
    const grey = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: 128, g: 128, b: 128 } },
    })
      .png()
      .toBuffer();
    const prepared = await classifier.router.champion.prepare(grey);
    assert.ok(
      Math.abs(brightnessOf(prepared.tensor, classifier.router.champion.metadata.input) - 128 / 255) < 0.01,
    );
  });

  it('answers a photo asked about again from the cache, by version and exact tensor: the same answer', async () => {
    await classifier.apply({ champion: '1.0.0' }, models.dir);
    const [photo] = await photos(1);
    const first = await classifier.classify(photo!);
    const rows = await counter(registry, 'inference_rows_total');
    const hits = await counter(registry, 'cache_hits_total');
    const again = await classifier.classify(photo!);
    assert.equal(await counter(registry, 'inference_rows_total'), rows, 'no row reached the model');
    assert.equal((await counter(registry, 'cache_hits_total')) - hits, 1);
    assert.deepEqual(
      { ...again, heatmapPng: again.heatmapPng.length },
      { ...first, heatmapPng: first.heatmapPng.length },
    );
    assert.ok(again.heatmapPng.equals(first.heatmapPng));
  });

  it('refuses an assignment whose version cannot serve, and keeps the one it had', async () => {
    await assert.rejects(classifier.apply({ champion: '9.9.9' }, models.dir));
    assert.equal(classifier.router.assignment.champion, '1.0.0');
  });

  it('a failing version fails the triage (the report waits): there is no baseline to guess a class', async () => {
    // A photo no test has asked about (an answer already cached would not reach the model).
    const photo = await sharp((await photos(1))[0])
      .modulate({ brightness: 1.33 })
      .png()
      .toBuffer();
    await classifier.apply({ champion: '1.0.1' }, models.dir);
    await classifier.router.champion.close(); // the model is gone under the router
    await assert.rejects(classifier.classify(photo), /closed/);
  });
});

describe('following the registry in predictions', () => {
  let server: http.Server;
  let url: string;
  let events: EventBus;
  const state: { assignment: Record<string, unknown> } = { assignment: { champion: '1.0.0' } };
  let reads = 0;
  before(async () => {
    server = http.createServer((_req, res) => {
      reads += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          data: { modelAssignment: { canary: null, canaryShare: null, shadow: null, ...state.assignment } },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    events = await createEventBus(undefined, { logger });
  });
  after(async () => {
    await events.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('parses only a real assignment', () => {
    assert.deepEqual(
      parseAssignment({
        data: { modelAssignment: { champion: '1.0.0', canary: '1.0.1', canaryShare: 0.1, shadow: null } },
      }),
      {
        champion: '1.0.0',
        canary: { version: '1.0.1', share: 0.1 },
        shadow: undefined,
      },
    );
    assert.equal(parseAssignment({ errors: [{ message: 'nope' }] }), undefined);
    assert.equal(parseAssignment({ data: { modelAssignment: { champion: 7 } } }), undefined);
    assert.equal(parseAssignment(null), undefined);
  });

  it('reads the assignment at start and again on MODEL_CHANGED for image, not for other models', async () => {
    const applied: Assignment[] = [];
    const stop = followImageAssignment(
      (a) => {
        applied.push(a);
        return Promise.resolve();
      },
      events,
      logger,
      { predictionsUrl: url, gatewaySecret: undefined, everySeconds: 0 },
    );
    try {
      for (let i = 0; i < 50 && applied.length < 1; i++) await sleep(20);
      assert.deepEqual(applied, [{ champion: '1.0.0', canary: undefined, shadow: undefined }]);
      const readsBefore = reads;
      events.pubSub.publish(MODEL_CHANGED, { name: 'flood' });
      await sleep(100);
      assert.equal(reads, readsBefore, 'another model changing is not news');
      state.assignment = { champion: '1.0.0', canary: '1.0.1', canaryShare: 0.25 };
      events.pubSub.publish(MODEL_CHANGED, { name: 'image' });
      for (let i = 0; i < 50 && applied.length < 2; i++) await sleep(20);
      assert.deepEqual(applied.at(-1), {
        champion: '1.0.0',
        canary: { version: '1.0.1', share: 0.25 },
        shadow: undefined,
      });
    } finally {
      stop();
    }
  });
});
