import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { createLogger, postGraphQL } from '@cityassist/service-kit';
import { subgraphUnderTest, TEST_GATEWAY_SECRET } from '@cityassist/service-kit/testing';
import { startZonesService } from '../service.ts';
import { testConfig } from '../testing.ts';

const PAGE = `query Page($first: Int!, $after: String, $n: String) {
  zones(first: $first, after: $after, neighbourhood: $n) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id neighbourhood } }
  }
}`;

onEachDatabase((label, open) => {
  describe(`zones subgraph on ${label}`, () => {
    const subject = subgraphUnderTest(open, (database) =>
      startZonesService(testConfig(database), createLogger('zones', 'silent')),
    );
    const gql = subject.gql;

    it('pages through all 470 zones exactly once', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const seen = new Set<string>();
      let afterCursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const res = await gql(PAGE, { first: 100, after: afterCursor });
        const zones = res.data!['zones'];
        assert.equal(zones.totalCount, 470);
        for (const e of zones.edges) seen.add(e.node.id);
        if (!zones.pageInfo.hasNextPage) break;
        afterCursor = zones.pageInfo.endCursor;
      }
      assert.equal(seen.size, 470);
    });

    it('filters by neighbourhood', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const res = await gql(PAGE, { first: 500, n: 'Rio Doce' });
      assert.equal(res.data!['zones'].totalCount, 55);
      assert.ok(
        res.data!['zones'].edges.every(
          (e: { node: { neighbourhood: string } }) => e.node.neighbourhood === 'Rio Doce',
        ),
      );
    });

    it('finds a zone by id, and null for an unknown one', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const res = await gql(
        '{ a: zone(id: "260960005000001") { name population areaKm2 elevationMean lowLyingShare geometry } b: zone(id: "999") { id } }',
      );
      assert.equal(res.errors, undefined);
      assert.equal(res.data!['a'].name, 'Ouro Preto 1');
      assert.equal(res.data!['a'].population, 1119);
      assert.equal(res.data!['a'].geometry.type, 'Polygon');
      assert.ok(res.data!['a'].lowLyingShare >= 0 && res.data!['a'].lowLyingShare <= 1);
      assert.equal(res.data!['b'], null);
    });

    it('locates the zone containing a point, and null in the sea', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const res = await gql(
        '{ in: zoneAt(lat: -7.9928, lon: -34.8617) { id } sea: zoneAt(lat: -8.0, lon: -34.7) { id } }',
      );
      assert.equal(res.data!['in'].id, '260960005000001');
      assert.equal(res.data!['sea'], null);
    });

    it('resolves entities for the gateway in one go, null for unknown ids', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const res = await gql(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Zone { id name } } }',
        {
          r: [
            { __typename: 'Zone', id: '260960005000002' },
            { __typename: 'Zone', id: 'nope' },
          ],
        },
      );
      assert.deepEqual(res.data!['_entities'], [{ id: '260960005000002', name: 'Ouro Preto 2' }, null]);
    });

    for (const [what, query, argument] of [
      ['a malformed id', '{ zone(id: "1; drop table zones.zone") { id } }', 'id'],
      ['an empty id', '{ zone(id: "") { id } }', 'id'],
      ['a latitude of 91', '{ zoneAt(lat: 91, lon: 0) { id } }', 'lat'],
      ['a longitude of -181', '{ zoneAt(lat: 0, lon: -181) { id } }', 'lon'],
      ['a page size of 0', '{ zones(first: 0) { totalCount } }', 'first'],
      ['a page size of 501', '{ zones(first: 501) { totalCount } }', 'first'],
      ['a forged cursor', '{ zones(after: "bm90LWEtY3Vyc29y") { totalCount } }', 'after'],
    ] as const) {
      it(`EXPECTED FAILURE - ${what} is BAD_USER_INPUT`, async (t) => {
        if (!subject.server) return t.skip('no Postgres on this machine');
        const res = await gql(query);
        assert.equal(res.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT', JSON.stringify(res.errors));
        assert.equal(res.errors?.[0]?.extensions?.['argument'], argument);
      });
    }

    it('EXPECTED FAILURE - a string where a number belongs fails validation', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const res = await gql('{ zoneAt(lat: "north", lon: 0) { id } }');
      assert.equal(res.errors?.[0]?.extensions?.['code'], 'GRAPHQL_VALIDATION_FAILED');
    });

    it('EXPECTED FAILURE - a request without the gateway secret is refused with 401', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const none = await postGraphQL(subject.server.url, '{ zone(id: "260960005000001") { id } }');
      assert.equal(none.status, 401);
      assert.equal(none.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
      const wrong = await postGraphQL(
        subject.server.url,
        '{ zone(id: "260960005000001") { id } }',
        undefined,
        {
          'x-gateway-secret': TEST_GATEWAY_SECRET.replace('a', 'b'),
        },
      );
      assert.equal(wrong.status, 401);
    });

    it('answers /health, /ready and /metrics', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const base = subject.server.url.replace('/graphql', '');
      assert.equal((await fetch(`${base}/health`)).status, 200);
      assert.deepEqual(await (await fetch(`${base}/ready`)).json(), {
        ready: true,
        checks: { database: true },
      });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /process_cpu_seconds_total\{service="zones"\}/);
      assert.match(metrics, /requests_total\{operation="query",outcome="ok",service="zones"\}/);
    });
  });
});
