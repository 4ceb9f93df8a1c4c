import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { createEventBus } from '@cityassist/events';
import { ImageModel } from '@cityassist/inference';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import sharp from 'sharp';
import { startReportsService } from '../service.ts';
import { postMultipart, testConfig, type TestFile } from '../testing.ts';
import type { Classification, ImageClassifier } from './image-classifier.ts';

const CLASSIFY = `mutation($photo: Upload!) {
  classifyReportImage(photo: $photo) {
    label confidence scores { label score } suggestedPriority needsReview model { name version }
  }
}`;
const repoRoot = path.resolve(import.meta.dirname, '../../../..');

/** The real model behind a switch, so one service shows both the model up and down. */
class SwitchedModel implements ImageClassifier {
  up = true;
  constructor(private readonly real: ImageModel) {}
  classify(image: Buffer): Promise<Classification> {
    if (!this.up) return Promise.reject(new Error('connection refused (test: model down)'));
    return this.real.classify(image);
  }
}

/** The model's own pothole scene (test_vectors.json), 128×128, as a PNG. */
async function potholePng(): Promise<Buffer> {
  const vectors = JSON.parse(
    await readFile(path.join(repoRoot, 'models/image/1.0.0/test_vectors.json'), 'utf8'),
  ) as { labels: string[]; pixels: { base64: string } };
  const size = 128 * 128 * 3;
  const i = vectors.labels.indexOf('pothole');
  const pixels = Buffer.from(vectors.pixels.base64, 'base64').subarray(i * size, (i + 1) * size);
  return sharp(pixels, { raw: { width: 128, height: 128, channels: 3 } })
    .png()
    .toBuffer();
}

let real: ImageModel;
before(async () => {
  real = await ImageModel.load(path.join(repoRoot, 'models/image/1.0.0'), {
    batch: { maxBatchSize: 8, maxWaitMs: 2 },
  });
});
after(() => real.close());

onEachDatabase((label, open) => {
  describe(`classifyReportImage on ${label}`, async () => {
    const events = await createEventBus(undefined);
    const model = { current: undefined as SwitchedModel | undefined };
    const folders: string[] = [];
    const subject = subgraphUnderTest(open, (database) => {
      model.current = new SwitchedModel(real);
      const config = testConfig(database);
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
    const classify = (file: Omit<TestFile, 'field'>) =>
      postMultipart(
        subject.server!.url,
        { query: CLASSIFY, variables: { photo: null } },
        { 0: ['variables.photo'] },
        [{ field: '0', ...file }],
      );
    const stored = async () =>
      (await readdir(folders.at(-1)!, { recursive: true, withFileTypes: true }).catch(() => []))
        .filter((e) => e.isFile())
        .map((e) => e.name);

    it('classifies a photo with the priority of its class and confidence, and keeps nothing', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const count = '{ reports(first: 1) { totalCount } }';
      const before = (await subject.gql(count)).data!['reports'].totalCount;
      const res = await classify({ bytes: await potholePng(), filename: 'hole.png', type: 'image/png' });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const result = res.data!['classifyReportImage'];
      assert.equal(result.label, 'pothole');
      assert.ok(result.confidence >= 0.6 && result.confidence <= 1);
      assert.equal(result.scores[0].label, 'pothole');
      assert.equal(result.suggestedPriority, 'MEDIUM');
      assert.equal(result.needsReview, false);
      assert.deepEqual(result.model, { name: 'image', version: '1.0.0' });
      assert.deepEqual(await stored(), [], 'no photo or heatmap stored');
      assert.equal((await subject.gql(count)).data!['reports'].totalCount, before, 'no report filed');
    });

    it('EXPECTED FAILURE - a text file named .jpg is UNSUPPORTED_MEDIA_TYPE, before the model is asked', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const res = await classify({ bytes: Buffer.from('notes\n'), filename: 'x.jpg', type: 'image/jpeg' });
      assert.equal(res.errors?.[0]?.extensions?.['code'], 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('EXPECTED FAILURE - with the model down the answer is TRIAGE_UNAVAILABLE', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      model.current!.up = false;
      try {
        const res = await classify({ bytes: await potholePng(), filename: 'hole.png', type: 'image/png' });
        assert.equal(res.errors?.[0]?.extensions?.['code'], 'TRIAGE_UNAVAILABLE');
        assert.equal(res.data?.['classifyReportImage'] ?? null, null);
      } finally {
        model.current!.up = true;
      }
    });
  });
});
