import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { modelsWithCopy } from '@cityassist/inference/testing';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { startPredictionsService } from '../../service.ts';
import { testConfig } from '../../testing.ts';

const logger = createLogger('test', 'silent');
const ASSIGNMENT = `{ modelAssignment(name: "image") { champion canary canaryShare shadow changedBy } }`;
const PROMOTE = `mutation($input: PromoteModelInput!) { promoteModel(input: $input) { champion canary canaryShare shadow } }`;

/**
 * The image model is served by reports, but its versions live in this registry like every other
 * model's: listed, promoted and rolled back (audited), each version proved before its status
 * changes; reports follows `modelAssignment`.
 */
describe('the image model in the registry', () => {
  const subject = subgraphUnderTest(
    async () => {
      const models = await modelsWithCopy('image', '1.0.0', '1.0.1');
      // 1.0.2: a copy that lost its test vectors, which reports would refuse to serve.
      const broken = await modelsWithCopy('image', '1.0.0', '1.0.2');
      const { cp } = await import('node:fs/promises');
      await cp(path.join(broken.dir, 'image', '1.0.2'), path.join(models.dir, 'image', '1.0.2'), { recursive: true });
      await rm(path.join(models.dir, 'image', '1.0.2', 'test_vectors.json'));
      await broken[Symbol.asyncDispose]();
      return {
        dataDir: 'memory://',
        models: models.dir,
        [Symbol.asyncDispose]: () => models[Symbol.asyncDispose](),
      };
    },
    // The registry's mechanics on copies of 1.0.0, kept champion (the served default is 1.1.0).
    (d) => startPredictionsService(testConfig(d, { MODELS_DIR: d.models, IMAGE_MODEL_VERSION: '1.0.0' }), logger),
  );

  it('lists its versions; the setting made 1.0.0 champion', async () => {
    const { data } = await subject.gql(`{ models { name versions { version status } } }`);
    const image = data!['models'].find((m: { name: string }) => m.name === 'image');
    assert.deepEqual(
      image.versions.map((v: { version: string; status: string }) => [v.version, v.status]),
      [
        ['1.0.0', 'CHAMPION'],
        ['1.0.1', 'RETIRED'],
        ['1.0.2', 'RETIRED'],
        ['1.1.0', 'RETIRED'],
      ],
    );
    assert.deepEqual((await subject.gql(ASSIGNMENT)).data!['modelAssignment'], {
      champion: '1.0.0',
      canary: null,
      canaryShare: null,
      shadow: null,
      changedBy: 'config',
    });
  });

  it('refuses a version reports could not serve, and changes nothing', async () => {
    const res = await subject.gql(PROMOTE, { input: { name: 'image', version: '1.0.2', status: 'CANARY', canaryShare: 0.1 } });
    assert.equal(res.errors?.[0]?.extensions?.['code'], 'MODEL_LOAD_FAILED');
    assert.match(String(res.errors?.[0]?.extensions?.['cause']), /no test_vectors\.json/);
    assert.equal((await subject.gql(ASSIGNMENT)).data!['modelAssignment'].canary, null);
  });

  it('promotes a canary, then a champion, rolls back, and audits each', async () => {
    const canary = await subject.gql(PROMOTE, {
      input: { name: 'image', version: '1.0.1', status: 'CANARY', canaryShare: 0.25, reason: 'try on a quarter' },
    });
    assert.equal(canary.errors, undefined, JSON.stringify(canary.errors));
    assert.deepEqual(canary.data!['promoteModel'], { champion: '1.0.0', canary: '1.0.1', canaryShare: 0.25, shadow: null });
    assert.equal((await subject.gql(ASSIGNMENT)).data!['modelAssignment'].canaryShare, 0.25);
    const champion = await subject.gql(PROMOTE, { input: { name: 'image', version: '1.0.1', status: 'CHAMPION' } });
    assert.equal(champion.data!['promoteModel'].champion, '1.0.1');
    const back = await subject.gql(`mutation { rollbackModel(name: "image", reason: "labels drifted") { champion } }`);
    assert.equal(back.data!['rollbackModel'].champion, '1.0.0');
    const audit = await subject.gql(`{ modelAudit(name: "image") { version action toStatus reason } }`);
    const entries = audit.data!['modelAudit'].map(
      (e: { version: string; action: string; toStatus: string }) => `${e.version} ${e.action} ${e.toStatus}`,
    );
    for (const e of ['1.0.0 rollback CHAMPION', '1.0.1 rollback:displaced RETIRED', '1.0.1 promote CHAMPION', '1.0.1 promote CANARY']) {
      assert.ok(entries.includes(e), `${e} in ${entries.join('; ')}`);
    }
  });

  it('answers MODEL_NOT_FOUND for a model nobody serves', async () => {
    const res = await subject.gql(`{ modelAssignment(name: "weather") { champion } }`);
    assert.equal(res.errors?.[0]?.extensions?.['code'], 'MODEL_NOT_FOUND');
  });
});
