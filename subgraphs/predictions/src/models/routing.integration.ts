import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { bucketOf } from '@cityassist/inference';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { startPredictionsService } from '../service.ts';
import { modelsWithCopy, testConfig } from '../testing.ts';

/**
 * The shared machinery, tried on each model that gained it from the seam rather than its own code:
 * a canary by share and key, a shadow compared after the answer, the output cache, drift, and an
 * audited promotion and rollback. Two versions that answer alike (a copy of the champion named
 * 1.0.1) make every difference between them the machinery's.
 */
const logger = createLogger('test', 'silent');
const zones = ['260960005000010', '260960005000011', '260960005000020', '260960005000030', '260960005000040'];

interface Case {
  model: string;
  /** Settings prefix. */
  prefix: string;
  /** A query over `$reps` whose answers carry `model { version }` and a key (sensor or zone). */
  query: string;
  answersOf(data: Record<string, any>): { version: string; key: string; value: number }[];
}

const cases: Case[] = [
  {
    model: 'aqi',
    prefix: 'AQI',
    query: `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Zone { id aqiForecast(hours: 1) {
      model { version } sensor { id } points { value } } } } }`,
    answersOf: (data) =>
      data['_entities'].map((z: any) => ({
        version: z.aqiForecast.model.version,
        key: z.aqiForecast.sensor.id,
        value: z.aqiForecast.points[0].value,
      })),
  },
  {
    model: 'energy',
    prefix: 'ENERGY',
    query: `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Zone { id energyDemand(hours: 1) {
      model { version } points { value } } } } }`,
    answersOf: (data) =>
      data['_entities']
        .filter((z: any) => z.energyDemand)
        .map((z: any) => ({
        version: z.energyDemand.model.version,
        key: z.id,
        value: z.energyDemand.points[0].value,
      })),
  },
];

async function allZones(): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const text = await readFile(path.resolve(import.meta.dirname, '../../../../data/olinda/terrain.csv'), 'utf8');
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0]!);
}

/** The service on a models folder with version 1.0.1 of `c.model`, and the settings given. */
function served(c: Case, env: (prefix: string) => Record<string, string>) {
  const subject = subgraphUnderTest(
    async () => {
      const models = await modelsWithCopy(c.model, '1.0.0', '1.0.1');
      return { dataDir: 'memory://', models: models.dir, [Symbol.asyncDispose]: () => models[Symbol.asyncDispose]() };
    },
    (d) => startPredictionsService(testConfig(d, { MODELS_DIR: d.models, ...env(c.prefix) }), logger),
  );
  const counter = async (name: string) => {
    const text = await (await fetch(subject.server!.url.replace('/graphql', '/metrics'))).text();
    return [...text.matchAll(new RegExp(`^${name}\\{[^}]*model="${c.model}"[^}]*\\} (\\d+)`, 'gm'))].reduce(
      (s, m) => s + Number(m[1]),
      0,
    );
  };
  return { gql: subject.gql, counter };
}

for (const c of cases) {
  describe(`${c.model}: a canary, the cache and drift from the shared machinery`, () => {
    const { gql, counter } = served(c, (p) => ({
      [`${p}_CANARY_VERSION`]: '1.0.1',
      [`${p}_CANARY_SHARE`]: '0.5',
      PREDICTION_CACHE_TTL_SECONDS: '60',
      DRIFT_MIN_ROWS: '2',
    }));
    let reps: { __typename: string; id: string }[];
    before(async () => {
      reps = (await allZones()).map((id) => ({ __typename: 'Zone', id }));
    });

    it('the canary answers the keys its share picks by hash, the same ones every time', async () => {
      const { data, errors } = await gql(c.query, { reps });
      // A zone whose meter fell silent is named, not guessed; every other zone answers.
      assert.deepEqual(
        (errors ?? []).filter((e) => e.extensions?.['code'] !== 'FORECAST_UNAVAILABLE'),
        [],
      );
      assert.ok((errors ?? []).length < 10, `${errors?.length} zones unanswered`);
      const answers = c.answersOf(data!);
      const versions = new Set(answers.map((a) => a.version));
      assert.deepEqual([...versions].sort(), ['1.0.0', '1.0.1'], 'both versions answer');
      for (const a of answers) {
        assert.equal(a.version, bucketOf(`${c.model}:${a.key}`) < 0.5 ? '1.0.1' : '1.0.0', a.key);
      }
      const again = c.answersOf((await gql(c.query, { reps })).data!);
      assert.deepEqual(again, answers);
    });

    it('a second ask of the same inputs is answered from the cache: no row reaches the model', async () => {
      await gql(c.query, { reps });
      const rows = await counter('inference_rows_total');
      await gql(c.query, { reps });
      assert.equal(await counter('inference_rows_total'), rows);
      assert.ok((await counter('inference_rows_total')) > 0);
    });

    it("the champion's inputs are watched for drift against its training data", async () => {
      const { data } = await gql(
        `{ modelHealth(name: "${c.model}") { version canary canaryShare windowRows drift { feature psi level } } }`,
      );
      const h = data!['modelHealth'];
      assert.equal(h.version, '1.0.0');
      assert.equal(h.canary, '1.0.1');
      assert.equal(h.canaryShare, 0.5);
      assert.ok(h.windowRows >= 2, `${h.windowRows} rows in the window`);
      assert.ok(h.drift.length > 0 && h.drift.every((d: any) => Number.isFinite(d.psi)));
    });
  });

  describe(`${c.model}: a shadow, promotion and rollback from the shared machinery`, () => {
    const { gql } = served(c, (p) => ({ [`${p}_SHADOW_VERSION`]: '1.0.1' }));
    const reps = zones.map((id) => ({ __typename: 'Zone', id }));

    it('the shadow never answers; it scores the same rows after the answer and agrees with its twin', async () => {
      const answers = c.answersOf((await gql(c.query, { reps })).data!);
      assert.ok(answers.every((a) => a.version === '1.0.0'));
      await new Promise((r) => setTimeout(r, 100));
      const { data } = await gql(
        `{ modelHealth(name: "${c.model}") { shadow { version comparisons levelAgreement meanAbsoluteDifference } } }`,
      );
      const s = data!['modelHealth'].shadow;
      assert.equal(s.version, '1.0.1');
      assert.ok(s.comparisons >= 1);
      assert.equal(s.levelAgreement, 1);
      assert.equal(s.meanAbsoluteDifference, 0);
    });

    it('a promotion is served at once and audited; a rollback restores the champion', async () => {
      const promote = await gql(
        `mutation { promoteModel(input: { name: "${c.model}", version: "1.0.1", status: CHAMPION, reason: "twin" }) { champion shadow } }`,
      );
      assert.equal(promote.errors, undefined);
      assert.deepEqual(promote.data!['promoteModel'], { champion: '1.0.1', shadow: null });
      assert.ok(c.answersOf((await gql(c.query, { reps })).data!).every((a) => a.version === '1.0.1'));
      const rollback = await gql(`mutation { rollbackModel(name: "${c.model}") { champion } }`);
      assert.equal(rollback.data!['rollbackModel'].champion, '1.0.0');
      assert.ok(c.answersOf((await gql(c.query, { reps })).data!).every((a) => a.version === '1.0.0'));
      const audit = await gql(`{ modelAudit(name: "${c.model}") { version action toStatus } }`);
      const actions = audit.data!['modelAudit'].map((e: any) => `${e.version}:${e.action}:${e.toStatus}`);
      assert.ok(actions.includes('1.0.1:promote:CHAMPION'), actions.join(' '));
      assert.ok(actions.includes('1.0.0:rollback:CHAMPION'), actions.join(' '));
    });
  });
}
