import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEventBus, MODEL_CHANGED, type EventBus } from '@cityassist/events';
import type { Assignment } from '@cityassist/inference';
import { modelsWithCopy, sceneImages } from '@cityassist/inference/testing';
import { createLogger } from '@cityassist/service-kit';
import { Registry } from 'prom-client';
import { parseConfig } from '../config.ts';
import { followImageAssignment, parseAssignment } from './image-assignment.ts';
import { RoutedImageClassifier } from './image-router.ts';

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
  before(async () => {
    models = await modelsWithCopy('image', '1.0.0', '1.0.1');
    const config = parseConfig({ MODELS_DIR: models.dir });
    classifier = await RoutedImageClassifier.starter(
      config.triage,
      40e6,
      registry,
      logger,
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

  it('refuses an assignment whose version cannot serve, and keeps the one it had', async () => {
    await assert.rejects(classifier.apply({ champion: '9.9.9' }, models.dir));
    assert.equal(classifier.router.assignment.champion, '1.0.0');
  });

  it('a failing version fails the triage (the report waits): there is no baseline to guess a class', async () => {
    const photo = (await photos(1))[0]!;
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
