/**
 * The image model on the shared machinery, end to end: its versions live in the registry the
 * predictions service keeps, an operator promotes one through the gateway (scope models:admin),
 * and the reports service — a separate process, told over Redis — triages with it; a rollback
 * takes it back. Four real processes on the local Postgres and Redis.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { modelsWithCopy, sceneImages } from '@cityassist/inference/testing';
import { counter, postGraphQL, startTestStack, type TestStack } from './support.ts';

describe('image model versions: promoted in predictions, served by reports', () => {
  let stack: (TestStack & AsyncDisposable) | undefined;
  let models: { dir: string } & AsyncDisposable;
  before(async () => {
    models = await modelsWithCopy('image', '1.0.0', '1.0.1');
    stack = await startTestStack('Postgres', {
      env: {
        MODELS_DIR: models.dir,
        // The routing under test, not the model: the copy 1.0.1 is of 1.0.0, kept champion here.
        IMAGE_MODEL_VERSION: '1.0.0',
        REDIS_URL: 'redis://127.0.0.1:6379',
        IMAGE_ASSIGNMENT_SYNC_SECONDS: '0',
      },
    });
  });
  after(async () => {
    await stack?.[Symbol.asyncDispose]();
    await models?.[Symbol.asyncDispose]();
  });

  /** Classifies one photo through the gateway's REST route; resolves to its HTTP status. */
  const classify = async (photo: Buffer) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(photo)], { type: 'image/png' }), 'p.png');
    const res = await fetch(`${stack!.services.gateway.baseUrl}/api/v1/classify/report-image`, {
      method: 'POST',
      body: form,
      headers: { 'x-api-key': stack!.apiKeys.admin },
    });
    return res.status;
  };
  /** Photos reports scored with `version`, from its own /metrics. */
  const rows = (version: string) =>
    counter(stack!.services.reports.baseUrl, 'inference_rows_total', { model: 'image', version });
  /** Classifies until `version` has triaged a photo (reports follows the registry within seconds). */
  let photos = 0;
  const servedBy = async (version: string) => {
    const scene = (await sceneImages()).pothole;
    const before = await rows(version);
    for (let i = 0; i < 50; i++) {
      // A new photo each time: one asked about before is answered from the cache, not the model.
      const photo = await scene
        .clone()
        .modulate({ brightness: 1 + (photos++ % 50) / 500 })
        .png()
        .toBuffer();
      assert.equal(await classify(photo), 200);
      if ((await rows(version)) > before) return true;
      await sleep(100);
    }
    return false;
  };
  const gql = (query: string) =>
    postGraphQL(stack!.gatewayUrl, query, undefined, { 'x-api-key': stack!.apiKeys.admin });

  it('triages with the champion the registry names, and follows a promotion and a rollback', async (t) => {
    if (!stack) return t.skip('no Postgres on this machine');
    assert.ok(await servedBy('1.0.0'), 'the configured champion triages first');
    const promoted = await gql(
      `mutation { promoteModel(input: { name: "image", version: "1.0.1", status: CHAMPION, reason: "e2e" }) { champion changedBy } }`,
    );
    assert.equal(promoted.errors, undefined, JSON.stringify(promoted.errors));
    assert.equal(promoted.data!['promoteModel'].champion, '1.0.1');
    assert.ok(await servedBy('1.0.1'), 'reports triages with the promoted version');
    const back = await gql(`mutation { rollbackModel(name: "image", reason: "e2e") { champion } }`);
    assert.equal(back.data!['rollbackModel'].champion, '1.0.0');
    assert.ok(await servedBy('1.0.0'), 'and with the champion again after the rollback');
  });
});
