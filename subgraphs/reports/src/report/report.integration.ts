import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { startReportsService } from '../service.ts';
import { testConfig } from '../testing.ts';

const CREATE = `mutation($input: CreateReportInput!) {
  createReport(input: $input) { id status category description createdAt zone { id } }
}`;
const ZONE_REPORTS = `query($r: [_Any!]!, $s: ReportStatus) {
  _entities(representations: $r) { ... on Zone { id reports(status: $s) { id status } } }
}`;
const ZONE = '260960005000010';

onEachDatabase((label, open) => {
  describe(`reports subgraph on ${label}`, () => {
    const subject = subgraphUnderTest(open, (database) =>
      startReportsService(testConfig(database), createLogger('reports', 'silent')),
    );
    const gql = subject.gql;

    it('accepts a report as OPEN and lists it under its zone, newest first', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const first = await gql(CREATE, {
        input: { zoneId: ZONE, description: 'Deep pothole', category: 'POTHOLE' },
      });
      const second = await gql(CREATE, {
        input: { zoneId: ZONE, description: '  Bags on the kerb ', category: 'GARBAGE' },
      });
      assert.equal(first.errors, undefined);
      assert.equal(first.data!['createReport'].status, 'OPEN');
      assert.equal(second.data!['createReport'].description, 'Bags on the kerb', 'description is trimmed');
      assert.ok(!Number.isNaN(Date.parse(first.data!['createReport'].createdAt)));

      const listed = await gql(ZONE_REPORTS, {
        r: [
          { __typename: 'Zone', id: ZONE },
          { __typename: 'Zone', id: '260960005000011' },
        ],
      });
      const [mine, other] = listed.data!['_entities'];
      assert.deepEqual(
        mine.reports.map((r: { id: string }) => r.id),
        [second.data!['createReport'].id, first.data!['createReport'].id],
      );
      assert.deepEqual(other.reports, []);

      const open = await gql(ZONE_REPORTS, { r: [{ __typename: 'Zone', id: ZONE }], s: 'RESOLVED' });
      assert.deepEqual(open.data!['_entities'][0].reports, []);
    });

    it('finds a report by id', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const made = await gql(CREATE, {
        input: { zoneId: ZONE, description: 'Tree down', category: 'FALLEN_TREE' },
      });
      const id = made.data!['createReport'].id as string;
      const got = await gql('query($id: ID!) { report(id: $id) { id category zone { id } } }', { id });
      assert.deepEqual(got.data!['report'], { id, category: 'FALLEN_TREE', zone: { id: ZONE } });
      const missing = await gql('{ report(id: "00000000-0000-4000-8000-000000000000") { id } }');
      assert.equal(missing.data!['report'], null);
    });

    for (const [what, input, code] of [
      ['an empty description', { zoneId: ZONE, description: '   ', category: 'OTHER' }, 'BAD_USER_INPUT'],
      [
        'a 2001-character description',
        { zoneId: ZONE, description: 'x'.repeat(2001), category: 'OTHER' },
        'BAD_USER_INPUT',
      ],
      ['a malformed zone id', { zoneId: '<script>', description: 'x', category: 'OTHER' }, 'BAD_USER_INPUT'],
      [
        'a zone that does not exist',
        { zoneId: '999999999999999', description: 'x', category: 'OTHER' },
        'ZONE_NOT_FOUND',
      ],
      ['an unknown category', { zoneId: ZONE, description: 'x', category: 'ALIENS' }, 'BAD_USER_INPUT'],
      ['a missing description', { zoneId: ZONE, category: 'OTHER' }, 'BAD_USER_INPUT'],
    ] as const) {
      it(`EXPECTED FAILURE - ${what} is refused with ${code} and nothing is stored`, async (t) => {
        if (!subject.server) return t.skip('no Postgres on this machine');
        const before = await gql(ZONE_REPORTS, { r: [{ __typename: 'Zone', id: ZONE }] });
        const res = await gql(CREATE, { input });
        assert.equal(res.errors?.[0]?.extensions?.['code'], code, JSON.stringify(res.errors));
        const afterwards = await gql(ZONE_REPORTS, { r: [{ __typename: 'Zone', id: ZONE }] });
        assert.equal(
          afterwards.data!['_entities'][0].reports.length,
          before.data!['_entities'][0].reports.length,
        );
      });
    }

    it('EXPECTED FAILURE - a report id that is not a UUID is BAD_USER_INPUT', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const res = await gql('{ report(id: "1 or 1=1") { id } }');
      assert.equal(res.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    });
  });
});
