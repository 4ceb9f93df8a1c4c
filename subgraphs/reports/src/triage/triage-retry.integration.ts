import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { createEventBus } from '@cityassist/events';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { ImageModel } from '@cityassist/inference';
import { REPORT_TRIAGED } from '../report/report.topics.ts';
import type { CitizenReport } from '../report/report.type.ts';
import { startReportsService } from '../service.ts';
import { pointIn, sceneImages, submitWithPhoto, testConfig } from '../testing.ts';
import type { Classification, ImageClassifier } from './image-classifier.ts';

const SUBMIT = `mutation($input: SubmitReportInput!, $photo: Upload) {
  submitReport(input: $input, photo: $photo) { id status triage { label } suggestedPriority }
}`;
const REPORT = `query($id: ID!) {
  report(id: $id) {
    id status category suggestedPriority
    triage { label suggestedPriority explanation { heatmap } }
    history { from to actor }
  }
}`;
const ZONE = '260960005000010';
const repoRoot = path.resolve(import.meta.dirname, '../../../..');

/** The real model behind a switch: down (every call fails) until a test brings it up. */
class FlakyModel implements ImageClassifier {
  up = false;
  calls = 0;
  constructor(private readonly real: ImageModel) {}
  async classify(image: Buffer): Promise<Classification> {
    this.calls++;
    if (!this.up) throw new Error('connection refused (test: model down)');
    return this.real.classify(image);
  }
}

/** Asks until `done` holds; a slow machine waits longer, it does not fail. */
async function eventually<T>(
  ask: () => Promise<T>,
  done: (value: T) => boolean,
  limitMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await ask();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

let real: ImageModel;
before(async () => {
  real = await ImageModel.load(path.join(repoRoot, 'models/image/1.0.0'), {
    batch: { maxBatchSize: 8, maxWaitMs: 2 },
  });
});
after(() => real.close());

onEachDatabase((label, open) => {
  describe(`triage when the model is down, on ${label}`, async () => {
    const events = await createEventBus(undefined);
    const model = { current: undefined as FlakyModel | undefined };
    const folders: string[] = [];
    const subject = subgraphUnderTest(open, (database) => {
      model.current = new FlakyModel(real);
      const config = testConfig(database, { TRIAGE_RETRY_INTERVAL_MS: '25' });
      folders.push((config.storage as { dir: string }).dir);
      return startReportsService(config, createLogger('reports', 'silent'), {
        classifier: model.current,
        events,
      });
    });
    after(async () => {
      await events.close();
      for (const dir of folders) await rm(dir, { recursive: true, force: true });
    });
    const scenes = await sceneImages();

    it('accepts the report OPEN and untriaged, then triages it once the model is back', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const triaged = events.pubSub.subscribe(REPORT_TRIAGED);
      // A subscription listens from its first next(), so ask before the event can happen.
      const firstTriaged = triaged.next();
      const png = await scenes.pothole.clone().png().toBuffer();
      const res = await submitWithPhoto(
        subject.server.url,
        SUBMIT,
        { location: await pointIn(ZONE), description: 'Pothole, model down', category: 'POTHOLE' },
        { bytes: png, filename: 'p.png', type: 'image/png' },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const accepted = res.data!['submitReport'];
      assert.deepEqual(
        [accepted.status, accepted.triage, accepted.suggestedPriority],
        ['OPEN', null, null],
        'accepted, untriaged',
      );
      const id = accepted.id as string;
      assert.ok(model.current!.calls >= 1, 'the model was asked and failed');

      const down = await subject.gql(REPORT, { id });
      assert.equal(down.data!['report'].triage, null, 'the retry cannot triage while the model is down');

      model.current!.up = true;
      const later = await eventually(
        () => subject.gql(REPORT, { id }),
        (r) => r.data?.['report']?.triage != null,
      );
      const report = later.data!['report'];
      assert.equal(report.triage.label, 'pothole');
      assert.equal(report.suggestedPriority, 'MEDIUM');
      assert.equal(report.status, 'TRIAGED');
      assert.ok(report.triage.explanation.heatmap.startsWith('data:image/png;base64,'));
      assert.deepEqual(
        report.history.map((h: any) => [h.from, h.to, h.actor]),
        [
          [null, 'OPEN', 'anonymous'],
          ['OPEN', 'TRIAGED', 'model:image@1.0.0'],
        ],
      );
      const event = await Promise.race([
        firstTriaged,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('no reportTriaged event within 60 s')), 60_000).unref(),
        ),
      ]);
      assert.equal((event.value as CitizenReport).id, id, 'reportTriaged announced it');
      await triaged.return?.();
    });
  });
});

describe('triage when the model cannot even load at start', () => {
  let modelsDir: string;
  const folders: string[] = [];
  after(async () => {
    for (const dir of folders) await rm(dir, { recursive: true, force: true });
  });
  const subject = subgraphUnderTest(
    async () => {
      modelsDir = await mkdtemp(path.join(tmpdir(), 'models-'));
      return {
        dataDir: 'memory://',
        [Symbol.asyncDispose]: () => rm(modelsDir, { recursive: true, force: true }),
      };
    },
    (database) => {
      const config = testConfig(database, { MODELS_DIR: modelsDir, TRIAGE_RETRY_INTERVAL_MS: '25' });
      folders.push((config.storage as { dir: string }).dir);
      return startReportsService(config, createLogger('reports', 'silent'));
    },
  );

  it('starts, accepts reports untriaged, and loads the model when its files appear', async (t) => {
    if (!subject.server) return t.skip('service did not start');
    const scenes = await sceneImages();
    const res = await submitWithPhoto(
      subject.server.url,
      SUBMIT,
      { location: await pointIn(ZONE), description: 'Tree down, no model yet' },
      { bytes: await scenes.fallen_tree.clone().png().toBuffer(), filename: 't.png', type: 'image/png' },
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(res.data!['submitReport'].triage, null);
    const id = res.data!['submitReport'].id as string;

    // The served default version (IMAGE_MODEL_VERSION unset): 1.1.0.
    await cp(path.join(repoRoot, 'models/image/1.1.0'), path.join(modelsDir, 'image/1.1.0'), {
      recursive: true,
    });
    const later = await eventually(
      () => subject.gql(REPORT, { id }),
      (r) => r.data?.['report']?.triage != null,
    );
    assert.equal(later.data!['report'].triage?.label, 'fallen_tree');
    assert.equal(
      later.data!['report'].category,
      'FALLEN_TREE',
      'the label sets a category the citizen left out',
    );
    assert.equal(later.data!['report'].suggestedPriority, 'HIGH');
  });
});
