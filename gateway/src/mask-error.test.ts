import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMaskError } from './mask-error.ts';
import { useHiddenSchemaHints } from './plugins/use-hidden-schema-hints.ts';
import { createGatewayTester, type TestSubgraph } from './testing/gateway-tester.ts';

const CANARY = 'CANARY-PII-maria-5581';

const predictions: TestSubgraph = {
  name: 'predictions',
  typeDefs: `type Query { floodLevel(level: FloodLevel!): String zone(id: ID!): Zone }
    enum FloodLevel { LOW HIGH }
    type Zone @key(fields: "id") { id: ID! name: String }`,
  resolvers: {
    Query: {
      floodLevel: (_: unknown, a: { level: string }) => a.level,
      zone: (_: unknown, a: { id: string }) => ({ id: a.id, name: 'z' }),
    },
  },
};

const start = (production: boolean, intercept?: TestSubgraph['intercept']) =>
  createGatewayTester({
    subgraphs: [{ ...predictions, ...(intercept ? { intercept } : {}) }],
    maskedErrors: { maskError: createMaskError({ production }) },
    plugins: () => (production ? [useHiddenSchemaHints()] : []),
  });

describe('maskError and useHiddenSchemaHints', () => {
  it('EXPECTED FAILURE - in production, no "Did you mean" for a field, an enum value or an input', async () => {
    await using gw = start(true);
    for (const query of [
      '{ zone(id: "1") { nam } }',
      '{ floodLevel(level: HIG) }',
      '{ zon(id: "1") { name } }',
    ]) {
      const res = await gw.graphql({ query });
      const message = res.body.errors[0].message as string;
      assert.doesNotMatch(message, /Did you mean/, message);
      assert.equal(res.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    }
    const coercion = await gw.graphql({
      query: 'query($l: FloodLevel!) { floodLevel(level: $l) }',
      variables: { l: 'HIG' },
    });
    assert.doesNotMatch(coercion.body.errors[0].message, /Did you mean/);
    assert.equal(coercion.body.errors[0].extensions.code, 'BAD_USER_INPUT');
  });

  it('keeps the hints in development, where they help', async () => {
    await using gw = start(false);
    const res = await gw.graphql({ query: '{ zone(id: "1") { nam } }' });
    assert.match(res.body.errors[0].message, /Did you mean "name"\?/);
  });

  it('EXPECTED FAILURE - in production, invalid JSON is BAD_REQUEST without the body echoed back', async () => {
    await using gw = start(true);
    const res = await gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: `{"query": "{ zone(id: \\"1\\") { name } }", ${CANARY}`,
    });
    const text = await res.text();
    assert.equal(res.status, 400);
    assert.ok(!text.includes(CANARY), text);
    assert.equal(JSON.parse(text).errors[0].extensions.code, 'BAD_REQUEST');
  });

  it('EXPECTED FAILURE - an unreachable subgraph is SUBGRAPH_UNAVAILABLE, without its URL or the variables in production', async () => {
    await using gw = start(true, () => {
      throw new TypeError('fetch failed: connect ECONNREFUSED 10.0.0.7:4003');
    });
    const res = await gw.graphql({
      query: 'query($id: ID!) { zone(id: $id) { name } }',
      variables: { id: CANARY },
    });
    const text = JSON.stringify(res.body);
    assert.equal(res.body.errors[0].extensions.code, 'SUBGRAPH_UNAVAILABLE');
    assert.equal(res.body.errors[0].extensions.serviceName, 'predictions');
    assert.ok(!text.includes(CANARY) && !text.includes('10.0.0.7') && !text.includes('.test/graphql'), text);
  });
});
