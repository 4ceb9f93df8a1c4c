import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMaskError } from '../mask-error.ts';
import { createGatewayTester } from '../testing/gateway-tester.ts';
import { useLimits } from './use-limits.ts';

const zones = {
  name: 'zones',
  typeDefs: `type Query { zone(id: ID!): Zone echo(text: String!): String }
    type Zone @key(fields: "id") { id: ID! name: String parent: Zone }`,
  resolvers: {
    Query: {
      zone: (_: unknown, { id }: { id: string }) => ({ id, name: `zone ${id}` }),
      echo: (_: unknown, { text }: { text: string }) => text,
    },
    Zone: { parent: (z: { id: string }) => ({ id: `${z.id}p`, name: 'parent' }) },
  },
};

const limits = {
  maxDepth: 3,
  maxAliases: 2,
  maxTokens: 5000,
  maxBodyBytes: 64 * 1024,
  maxUploadBytes: 4096,
  maxUploadFiles: 1,
};

const start = () =>
  createGatewayTester({
    subgraphs: [zones],
    maskedErrors: { maskError: createMaskError({ production: true }) },
    plugins: () => useLimits(limits),
  });

describe('useLimits', () => {
  it('answers a document inside every limit', async () => {
    await using gw = start();
    const res = await gw.graphql({ query: '{ zone(id: "1") { name parent { name } } }' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data, { zone: { name: 'zone 1', parent: { name: 'parent' } } });
  });

  it('EXPECTED FAILURE - a document deeper than maxDepth is QUERY_TOO_COMPLEX, with nothing sent upstream', async () => {
    await using gw = start();
    const res = await gw.graphql({ query: '{ zone(id: "1") { parent { parent { parent { name } } } } }' });
    assert.equal(res.body.errors[0].extensions.code, 'QUERY_TOO_COMPLEX');
    assert.equal(gw.upstream.length, 0);
  });

  it('EXPECTED FAILURE - a document 3,000 levels deep is QUERY_TOO_COMPLEX (400), not a stack overflow', async () => {
    await using gw = start();
    const deep = `{ zone(id: "1") ${'{ parent '.repeat(3000)}${'}'.repeat(3001)} }`;
    const res = await gw.graphql({ query: deep });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors[0].extensions.code, 'QUERY_TOO_COMPLEX');
    assert.match(res.body.errors[0].message, /Nesting limit/);
    const nestedInput = `{ echo(text: "x", extra: ${'['.repeat(3000)}${']'.repeat(3000)}) }`;
    assert.equal(
      (await gw.graphql({ query: nestedInput })).body.errors[0].extensions.code,
      'QUERY_TOO_COMPLEX',
    );
  });

  it('EXPECTED FAILURE - a NUL character in a variable or a literal string is BAD_USER_INPUT (400)', async () => {
    await using gw = start();
    const inVariable = await gw.graphql({
      query: 'query($t: String!) { echo(text: $t) }',
      variables: { t: 'a\u0000b' },
    });
    assert.equal(inVariable.status, 400);
    assert.equal(inVariable.body.errors[0].extensions.code, 'BAD_USER_INPUT');
    assert.equal(inVariable.body.errors[0].extensions.variable, 't');
    const inLiteral = await gw.graphql({ query: '{ echo(text: "a\\u0000b") }' });
    assert.equal(inLiteral.body.errors[0].extensions.code, 'BAD_USER_INPUT');
    assert.equal(gw.upstream.length, 0);
    const fine = await gw.graphql({
      query: 'query($t: String!) { echo(text: $t) }',
      variables: { t: 'a\\u0000b' },
    });
    assert.equal(fine.body.data.echo, 'a\\u0000b', 'an escaped backslash is no NUL');
  });

  it('EXPECTED FAILURE - refuses a body declared over the limit with 413', async () => {
    await using gw = start();
    const big = await gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(128 * 1024) },
      body: JSON.stringify({
        query: '{ zone(id: "1") { name } }',
        variables: { pad: 'x'.repeat(128 * 1024) },
      }),
    });
    assert.equal(big.status, 413);
    assert.equal((await big.json()).errors[0].extensions.code, 'REQUEST_TOO_LARGE');
  });
});
