import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { startPredictionsService } from '../service.ts';
import { testConfig } from '../testing.ts';

const MODELS = `{ models { name versions { version status canaryShare createdAt metrics card } } }`;
const PROMOTE = `mutation($input: PromoteModelInput!) {
  promoteModel(input: $input) { name champion canary canaryShare shadow changedBy }
}`;
const ROLLBACK = `mutation($reason: String) { rollbackModel(name: "flood", reason: $reason) { champion canary shadow } }`;
const AUDIT = `{ modelAudit(name: "flood") { version action fromStatus toStatus canaryShare actor reason at } }`;
const HEALTH = `{ modelHealth(name: "flood") { version canary canaryShare shadow { version comparisons levelAgreement meanAbsoluteDifference maxAbsoluteDifference } } }`;
const RISKS = `query($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Zone { floodRisk { probability level degraded model { version } } } }
}`;
const logger = createLogger('predictions', 'silent');

/** The zone ids of the committed feature snapshot. */
/** Every Olinda zone id (data/olinda/terrain.csv), as the feature store holds them. */
async function zoneIds(): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(new URL('../../../../data/olinda/terrain.csv', import.meta.url), 'utf8');
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0]!);
}

onEachDatabase((label, open) => {
  describe(`model registry on ${label}`, () => {
    const subject = subgraphUnderTest(open, (database) =>
      startPredictionsService(testConfig(database), logger),
    );
    const gql = subject.gql;
    const errorCode = (r: Awaited<ReturnType<typeof gql>>) => r.errors?.[0]?.extensions?.['code'];

    it('lists every version with its status, metrics and card; the setting made 1.2.0 champion', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const { data, errors } = await gql(MODELS);
      assert.equal(errors, undefined);
      const flood = data!['models'].find((m: { name: string }) => m.name === 'flood');
      const byVersion = Object.fromEntries(flood.versions.map((v: { version: string }) => [v.version, v]));
      assert.equal(byVersion['1.2.0'].status, 'CHAMPION');
      assert.equal(byVersion['1.0.0'].status, 'RETIRED', 'the version whose input leaked the label');
      assert.equal(byVersion['1.1.0'].status, 'RETIRED');
      assert.ok(byVersion['1.1.0'].metrics.time_holdout.pr_auc > 0);
      assert.match(byVersion['1.2.0'].card, /Model card/i);
      const aqi = data!['models'].find((m: { name: string }) => m.name === 'aqi');
      assert.deepEqual(
        aqi.versions.map((v: { version: string; status: string }) => [v.version, v.status]),
        [
          ['1.0.0', 'CHAMPION'],
          ['airbase-pm10-1.0.0', 'RETIRED'],
        ],
      );
      const energy = data!['models'].find((m: { name: string }) => m.name === 'energy');
      assert.deepEqual(
        energy.versions.map((v: { version: string; status: string }) => [v.version, v.status]),
        [
          ['1.0.0', 'CHAMPION'],
          ['taylor-1.0.0', 'RETIRED'],
        ],
      );
      // The image model is served by reports; listed here with its card, its champion the setting.
      const image = data!['models'].find((m: { name: string }) => m.name === 'image');
      assert.deepEqual(
        image.versions.map((v: { version: string; status: string }) => [v.version, v.status]),
        [
          ['1.0.0', 'RETIRED'],
          ['1.1.0', 'CHAMPION'],
        ],
      );
      assert.match(image.versions[1].card, /synthetic/i);
      const audit = await gql(AUDIT);
      assert.deepEqual(
        audit.data!['modelAudit'].map(
          (e: { version: string; action: string; actor: string; toStatus: string }) => [
            e.version,
            e.action,
            e.actor,
            e.toStatus,
          ],
        ),
        [['1.2.0', 'config', 'config', 'CHAMPION']],
      );
    });

    it('runs a shadow beside the champion and reports their agreement without changing answers', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const before = await gql(RISKS, { reps: (await zoneIds()).map((id) => ({ __typename: 'Zone', id })) });
      const promoted = await gql(PROMOTE, {
        input: { name: 'flood', version: '1.1.0', status: 'SHADOW', reason: 'compare on live traffic' },
      });
      assert.equal(promoted.errors, undefined);
      assert.deepEqual(promoted.data!['promoteModel'], {
        name: 'flood',
        champion: '1.2.0',
        canary: null,
        canaryShare: null,
        shadow: '1.1.0',
        changedBy: 'anonymous',
      });
      const reps = (await zoneIds()).map((id) => ({ __typename: 'Zone', id }));
      const after = await gql(RISKS, { reps });
      assert.deepEqual(after.data, before.data, 'a shadow never answers');
      let shadow: { comparisons: number; levelAgreement: number; meanAbsoluteDifference: number } | undefined;
      for (let i = 0; i < 100 && !(shadow && shadow.comparisons >= reps.length); i++) {
        await new Promise((r) => setTimeout(r, 50));
        shadow = (await gql(HEALTH)).data!['modelHealth'].shadow;
      }
      assert.equal(shadow!.comparisons, reps.length, 'every zone the champion answered was compared');
      assert.ok(shadow!.levelAgreement > 0.5 && shadow!.levelAgreement <= 1);
      assert.ok(shadow!.meanAbsoluteDifference >= 0);
    });

    it('sends a canary its share of zones, the same zones every time', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const promoted = await gql(PROMOTE, {
        input: { name: 'flood', version: '1.1.0', status: 'CANARY', canaryShare: 0.3 },
      });
      assert.equal(promoted.errors, undefined);
      assert.equal(promoted.data!['promoteModel'].shadow, null, 'a version holds one role');
      const reps = (await zoneIds()).map((id) => ({ __typename: 'Zone', id }));
      const versions = async () =>
        (await gql(RISKS, { reps })).data!['_entities'].map(
          (z: { floodRisk: { model: { version: string } } }) => z.floodRisk.model.version,
        );
      const first = await versions();
      const canaried = first.filter((v: string) => v === '1.1.0').length / first.length;
      assert.ok(canaried > 0.2 && canaried < 0.4, `canary answered ${canaried} of zones, configured 0.3`);
      assert.deepEqual(await versions(), first, 'assignment by zone hash is stable');
      const health = (await gql(HEALTH)).data!['modelHealth'];
      assert.equal(health.canary, '1.1.0');
      assert.equal(health.canaryShare, 0.3);
    });

    it('promotes a champion, rolls back, and audits who did what', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const promoted = await gql(PROMOTE, { input: { name: 'flood', version: '1.1.0', status: 'CHAMPION' } });
      assert.equal(promoted.data!['promoteModel'].champion, '1.1.0');
      assert.equal(promoted.data!['promoteModel'].canary, null);
      const reps = [{ __typename: 'Zone', id: (await zoneIds())[0] }];
      const served = await gql(RISKS, { reps });
      assert.equal(served.data!['_entities'][0].floodRisk.model.version, '1.1.0');

      const rolled = await gql(ROLLBACK, { reason: 'recall dropped' });
      assert.equal(rolled.errors, undefined);
      assert.equal(rolled.data!['rollbackModel'].champion, '1.2.0');
      const again = await gql(RISKS, { reps });
      assert.equal(again.data!['_entities'][0].floodRisk.model.version, '1.2.0');

      const audit = (await gql(AUDIT)).data!['modelAudit'];
      assert.deepEqual(
        audit
          .slice(0, 2)
          .map((e: { version: string; action: string; toStatus: string; reason: string | null }) => [
            e.version,
            e.action,
            e.toStatus,
            e.reason,
          ]),
        [
          ['1.2.0', 'rollback', 'CHAMPION', 'recall dropped'],
          ['1.1.0', 'rollback:displaced', 'RETIRED', 'recall dropped'],
        ],
      );
    });

    it('EXPECTED FAILURE - refuses unknown versions, retiring the champion and a canary without a share', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const cases: [Record<string, unknown>, string][] = [
        [{ name: 'flood', version: '9.9.9', status: 'CHAMPION' }, 'MODEL_NOT_FOUND'],
        [{ name: 'flood', version: '../../etc', status: 'CHAMPION' }, 'BAD_USER_INPUT'],
        [{ name: 'flood', version: '1.2.0', status: 'RETIRED' }, 'MODEL_STATUS_CONFLICT'],
        [{ name: 'flood', version: '1.1.0', status: 'CANARY' }, 'BAD_USER_INPUT'],
        [{ name: 'flood', version: '1.1.0', status: 'CANARY', canaryShare: 1.5 }, 'BAD_USER_INPUT'],
        [{ name: 'flood', version: '1.1.0', status: 'SHADOW', canaryShare: 0.5 }, 'BAD_USER_INPUT'],
        [{ name: 'weather', version: '1.0.0', status: 'CHAMPION' }, 'MODEL_NOT_FOUND'],
        [{ name: 'aqi', version: 'airbase-pm10-1.0.0', status: 'CHAMPION' }, 'MODEL_STATUS_CONFLICT'],
        [{ name: 'flood', version: '1.1.0', status: 'SHADOW', reason: 'x'.repeat(501) }, 'BAD_USER_INPUT'],
      ];
      for (const [input, code] of cases) {
        assert.equal(errorCode(await gql(PROMOTE, { input })), code, JSON.stringify(input).slice(0, 80));
      }
      const { data } = await gql(`{ modelHealth(name: "flood") { version canary shadow { version } } }`);
      assert.deepEqual(
        data!['modelHealth'],
        { version: '1.2.0', canary: null, shadow: null },
        'nothing changed',
      );
    });
  });
});
