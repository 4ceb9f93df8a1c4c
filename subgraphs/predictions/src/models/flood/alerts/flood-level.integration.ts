import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { startPredictionsService } from '../../../service.ts';
import { testConfig } from '../../../testing.ts';

onEachDatabase((label, open) => {
  describe(`floodLevels on ${label}`, () => {
    const subject = subgraphUnderTest(open, (database) =>
      startPredictionsService(testConfig(database), createLogger('predictions', 'silent')),
    );

    it('answers every zone’s stored level, as the start-up re-score left it, for services that missed the events', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const res = await subject.gql('{ floodLevels { zoneId level score asOf modelVersion } }');
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const levels = res.data!['floodLevels'] as {
        zoneId: string;
        level: string;
        score: number;
        modelVersion: string;
      }[];
      assert.equal(levels.length, 470);
      assert.equal(new Set(levels.map((l) => l.zoneId)).size, 470);
      assert.ok(
        levels.every(
          (l) => ['LOW', 'MODERATE', 'HIGH', 'SEVERE'].includes(l.level) && l.modelVersion === '1.2.0',
        ),
      );
      const risks = await subject.gql(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Zone { floodRisk { level } } } }',
        { r: levels.slice(0, 5).map((l) => ({ __typename: 'Zone', id: l.zoneId })) },
      );
      assert.deepEqual(
        risks.data!['_entities'].map((e: { floodRisk: { level: string } }) => e.floodRisk.level),
        levels.slice(0, 5).map((l) => l.level),
        'the stored level is the level the zone answers with',
      );
    });
  });
});
