import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { createLogger, GATEWAY_SECRET_HEADER, PRINCIPAL_HEADER, postGraphQL } from '@cityassist/service-kit';
import { subgraphUnderTest, TEST_GATEWAY_SECRET } from '@cityassist/service-kit/testing';
import { startReportsService } from '../service.ts';
import { testConfig } from '../testing.ts';

const CREATE = `mutation($input: CreateReportInput!) { createReport(input: $input) { id status } }`;
const TRANSITION = `mutation($id: ID!, $to: ReportStatus!, $note: String) {
  transitionReport(id: $id, to: $to, note: $note) { id status history { from to actor note at } }
}`;
const HISTORY = `query($id: ID!) { report(id: $id) { status history { from to actor note at } } }`;
const PAGE = `query($filter: ReportFilter, $first: Int, $after: String) {
  reports(filter: $filter, first: $first, after: $after) {
    totalCount edges { cursor node { id status category zone { id } } } pageInfo { hasNextPage endCursor }
  }
}`;
const ZONE = '260960005000010';
const OTHER_ZONE = '260960005000011';
/** The hashed id the gateway forwards for a member of staff (gateway/src/auth/principal.ts). */
const STAFF = 'jwt:5f1d2c3b4a5e6f70';

onEachDatabase((label, open) => {
  describe(`report workflow on ${label}`, () => {
    const folders: string[] = [];
    const subject = subgraphUnderTest(open, (database) => {
      const config = testConfig(database);
      folders.push((config.storage as { dir: string }).dir);
      return startReportsService(config, createLogger('reports', 'silent'));
    });
    after(async () => {
      for (const dir of folders) await rm(dir, { recursive: true, force: true });
    });
    const asStaff = (query: string, variables: Record<string, unknown>) =>
      postGraphQL(subject.server!.url, query, variables, {
        [GATEWAY_SECRET_HEADER]: TEST_GATEWAY_SECRET,
        [PRINCIPAL_HEADER]: `${STAFF};reports:manage reports:read`,
      });
    const create = async (zoneId = ZONE, category = 'POTHOLE') => {
      const res = await subject.gql(CREATE, { input: { zoneId, description: 'Something broke', category } });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!['createReport'].id as string;
    };

    it('walks a report OPEN → TRIAGED → IN_PROGRESS → RESOLVED and records who did what', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const id = await create();
      for (const [to, note] of [
        ['TRIAGED', 'Looked at the photo'],
        ['IN_PROGRESS', null],
        ['RESOLVED', '  Filled with asphalt  '],
      ] as const) {
        const res = await asStaff(TRANSITION, { id, to, note });
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        assert.equal(res.data!['transitionReport'].status, to);
      }
      const res = await asStaff(HISTORY, { id });
      const history = res.data!['report'].history as {
        from: string;
        to: string;
        actor: string;
        note: string;
        at: string;
      }[];
      assert.deepEqual(
        history.map((h) => [h.from, h.to, h.actor, h.note]),
        [
          [null, 'OPEN', 'anonymous', null],
          ['OPEN', 'TRIAGED', STAFF, 'Looked at the photo'],
          ['TRIAGED', 'IN_PROGRESS', STAFF, null],
          ['IN_PROGRESS', 'RESOLVED', STAFF, 'Filled with asphalt'],
        ],
      );
      const times = history.map((h) => Date.parse(h.at));
      assert.ok(
        times.every((x, i) => !Number.isNaN(x) && (i === 0 || x >= times[i - 1]!)),
        'oldest first',
      );
    });

    it('rejects an OPEN report directly, and a TRIAGED one', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const open = await create();
      assert.equal(
        (await asStaff(TRANSITION, { id: open, to: 'REJECTED', note: 'Duplicate' })).data!['transitionReport']
          .status,
        'REJECTED',
      );
      const triaged = await create();
      await asStaff(TRANSITION, { id: triaged, to: 'TRIAGED' });
      assert.equal(
        (await asStaff(TRANSITION, { id: triaged, to: 'REJECTED' })).data!['transitionReport'].status,
        'REJECTED',
      );
    });

    for (const [path, to] of [
      [['RESOLVED'], 'IN_PROGRESS'],
      [[], 'RESOLVED'],
      [[], 'IN_PROGRESS'],
      [['REJECTED'], 'OPEN'],
      [[], 'OPEN'],
    ] as const) {
      const from = path.length ? path.at(-1) : 'OPEN';
      it(`EXPECTED FAILURE - ${from} → ${to} is INVALID_TRANSITION and changes nothing`, async (t) => {
        if (!subject.server) return t.skip('no Postgres on this machine');
        const id = await create();
        const steps = path[0] === 'RESOLVED' ? ['TRIAGED', 'IN_PROGRESS', 'RESOLVED'] : [...path];
        for (const step of steps) await asStaff(TRANSITION, { id, to: step });
        const res = await asStaff(TRANSITION, { id, to });
        assert.equal(res.errors?.[0]?.extensions?.['code'], 'INVALID_TRANSITION', JSON.stringify(res.errors));
        assert.equal(res.errors?.[0]?.extensions?.['from'], from);
        const now = await asStaff(HISTORY, { id });
        assert.equal(now.data!['report'].status, from);
        assert.equal(
          now.data!['report'].history.length,
          1 + steps.length,
          'no audit entry for a refused move',
        );
      });
    }

    it('EXPECTED FAILURE - an unknown report is REPORT_NOT_FOUND, a malformed id BAD_USER_INPUT', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const missing = await asStaff(TRANSITION, {
        id: '00000000-0000-4000-8000-000000000000',
        to: 'TRIAGED',
      });
      assert.equal(missing.errors?.[0]?.extensions?.['code'], 'REPORT_NOT_FOUND');
      const malformed = await asStaff(TRANSITION, { id: 'drop table', to: 'TRIAGED' });
      assert.equal(malformed.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
      const long = await asStaff(TRANSITION, { id: await create(), to: 'TRIAGED', note: 'x'.repeat(1001) });
      assert.equal(long.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    });

    it('pages through reports newest first, filtered, with opaque cursors', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const mine: string[] = [];
      for (let i = 0; i < 5; i++) mine.push(await create(OTHER_ZONE, i % 2 ? 'GARBAGE' : 'FALLEN_TREE'));
      await asStaff(TRANSITION, { id: mine[4], to: 'TRIAGED' });

      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const res = await subject.gql(PAGE, { filter: { zoneId: OTHER_ZONE }, first: 2, after });
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        const page = res.data!['reports'];
        assert.equal(page.totalCount, 5);
        seen.push(...page.edges.map((e: any) => e.node.id));
        pages++;
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      assert.equal(pages, 3);
      assert.deepEqual(seen, [...mine].reverse(), 'each report once, newest first');

      const garbage = await subject.gql(PAGE, { filter: { zoneId: OTHER_ZONE, category: 'GARBAGE' } });
      assert.deepEqual(
        garbage.data!['reports'].edges.map((e: any) => e.node.id),
        [mine[3], mine[1]],
      );
      const triaged = await subject.gql(PAGE, { filter: { zoneId: OTHER_ZONE, status: 'TRIAGED' } });
      assert.deepEqual(
        triaged.data!['reports'].edges.map((e: any) => e.node.id),
        [mine[4]],
      );
      const none = await subject.gql(PAGE, { filter: { zoneId: OTHER_ZONE, priority: 'CRITICAL' } });
      assert.equal(none.data!['reports'].totalCount, 0, 'untriaged reports have no priority');

      const zone = await subject.gql(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Zone { reports(status: TRIAGED) { id } } } }`,
        { r: [{ __typename: 'Zone', id: OTHER_ZONE }] },
      );
      assert.deepEqual(
        zone.data!['_entities'][0].reports,
        [{ id: mine[4] }],
        'Zone.reports(status) still answers',
      );
    });

    for (const [what, variables] of [
      ['a cursor of another list', { after: Buffer.from('zone:260960005000010').toString('base64url') }],
      ['a forged cursor', { after: 'not-a-cursor!' }],
      ['first over 100', { first: 101 }],
      ['first of 0', { first: 0 }],
    ] as const) {
      it(`EXPECTED FAILURE - ${what} is BAD_USER_INPUT`, async (t) => {
        if (!subject.server) return t.skip('no Postgres on this machine');
        const res = await subject.gql(PAGE, variables);
        assert.equal(res.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT', JSON.stringify(res.errors));
      });
    }
  });
});
