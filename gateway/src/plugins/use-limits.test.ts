import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGatewayTester } from '../testing/gateway-tester.ts';
import { useLimits } from './use-limits.ts';

const zones = {
  name: 'zones',
  typeDefs: `type Query { zone(id: ID!): Zone }
    type Zone @key(fields: "id") { id: ID! name: String parent: Zone }`,
  resolvers: {
    Query: { zone: (_: unknown, { id }: { id: string }) => ({ id, name: `zone ${id}` }) },
    Zone: { parent: (z: { id: string }) => ({ id: `${z.id}p`, name: 'parent' }) },
  },
};

const limits = {
  maxDepth: 3,
  maxAliases: 2,
  maxTokens: 200,
  maxBodyBytes: 1024,
  maxUploadBytes: 4096,
  maxUploadFiles: 1,
};

describe('useLimits', () => {
  it('answers a document inside every limit', async () => {
    await using gw = createGatewayTester({ subgraphs: [zones], plugins: () => useLimits(limits) });
    const res = await gw.graphql({ query: '{ zone(id: "1") { name parent { name } } }' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data, { zone: { name: 'zone 1', parent: { name: 'parent' } } });
  });

  it('EXPECTED FAILURE - a document deeper than maxDepth is QUERY_TOO_COMPLEX', async () => {
    await using gw = createGatewayTester({ subgraphs: [zones], plugins: () => useLimits(limits) });
    const res = await gw.graphql({ query: '{ zone(id: "1") { parent { parent { parent { name } } } } }' });
    console.log(JSON.stringify(res.body));
    assert.equal(gw.upstream.length, 0);
  });
});
