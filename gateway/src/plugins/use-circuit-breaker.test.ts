import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@graphql-hive/logger';
import { Registry } from 'prom-client';
import { createMaskError } from '../mask-error.ts';
import { createGatewayTester, type TestSubgraph } from '../testing/gateway-tester.ts';
import { useCircuitBreaker } from './use-circuit-breaker.ts';
import { useQueryRetry } from './use-query-retry.ts';

const zones: TestSubgraph = {
  name: 'zones',
  typeDefs: `type Query { zones: [Zone!]! } type Zone @key(fields: "id") { id: ID! name: String }`,
  resolvers: { Query: { zones: () => [{ id: 'z1', name: 'zone 1' }] } },
};

function start(intercept: TestSubgraph['intercept'], openMs = 300) {
  const registry = new Registry();
  const upstream = { calls: 0 };
  const reports: TestSubgraph = {
    name: 'reports',
    typeDefs: `type Zone @key(fields: "id") { id: ID! reports: [String!] }
      type Mutation { file(text: String!): String }`,
    resolvers: {
      Zone: { reports: () => ['r1'] },
      Mutation: { file: (_: unknown, a: { text: string }) => a.text },
    },
    intercept: (request) => {
      upstream.calls += 1;
      return intercept?.(request);
    },
  };
  const gw = createGatewayTester({
    subgraphs: [zones, reports],
    upstreamTimeout: 100,
    maskedErrors: { maskError: createMaskError({ production: true }) },
    plugins: () => [useCircuitBreaker({ failures: 3, openMs, registry, log: new Logger({ level: false }) })],
  });
  return Object.assign(gw, { reportsCalls: upstream, registry });
}

const refused = () => {
  throw new TypeError('fetch failed: connect ECONNREFUSED 127.0.0.1:4002');
};
const query = '{ zones { id name reports } }';

describe('useCircuitBreaker', () => {
  it('EXPECTED FAILURE - a hung subgraph costs its timeout only until the circuit opens, then fails fast', async () => {
    await using gw = start(
      () => new Promise<Response>((r) => setTimeout(() => r(Response.json({ data: null })), 2000)),
    );
    const took: number[] = [];
    for (let i = 0; i < 8; i++) {
      const began = performance.now();
      const res = await gw.graphql({ query });
      took.push(performance.now() - began);
      assert.deepEqual(res.body.data.zones[0].name, 'zone 1', 'the other subgraph still answers');
      assert.equal(res.body.errors[0].extensions.code, 'SUBGRAPH_UNAVAILABLE');
      assert.equal(res.body.errors[0].extensions.reason, i < 3 ? 'timeout' : 'circuit_open');
    }
    // The runtime merges identical in-flight requests, so the three timed-out ones may have been one.
    assert.ok(gw.reportsCalls.calls <= 3, 'no request reached the hung subgraph once the circuit was open');
    assert.ok(
      Math.max(...took.slice(3)) < 90,
      `open-circuit answers took ${took.slice(3).map(Math.round).join(', ')} ms`,
    );
    assert.match(await gw.registry.metrics(), /circuit_state\{subgraph="reports"\} 2/);
  });

  it('probes the subgraph after the open period and closes again when it answers', async () => {
    let healthy = false;
    await using gw = start(() => (healthy ? undefined : refused()), 200);
    for (let i = 0; i < 4; i++) await gw.graphql({ query });
    assert.equal(gw.reportsCalls.calls, 3);
    healthy = true;
    await sleep(250);
    const probe = await gw.graphql({ query });
    assert.deepEqual(probe.body.data.zones[0].reports, ['r1']);
    const after = await gw.graphql({ query });
    assert.equal(after.body.errors, undefined);
    assert.match(await gw.registry.metrics(), /circuit_state\{subgraph="reports"\} 0/);
  });

  it('does not count an error the subgraph raised on purpose as a failure', async () => {
    await using gw = start(() =>
      Response.json({ errors: [{ message: 'no', extensions: { code: 'BAD_USER_INPUT' } }], data: null }),
    );
    for (let i = 0; i < 6; i++) await gw.graphql({ query: 'mutation { file(text: "x") }' });
    assert.equal(gw.reportsCalls.calls, 6, 'the circuit stayed closed');
  });
});

describe('useQueryRetry', () => {
  const start = (failuresBeforeSuccess: number, answer?: () => Response, hang = false) => {
    let failures = failuresBeforeSuccess;
    const calls = { n: 0 };
    const reports: TestSubgraph = {
      name: 'reports',
      typeDefs: `type Zone @key(fields: "id") { id: ID! reports: [String!] } type Mutation { file(text: String!): String }`,
      resolvers: { Zone: { reports: () => ['r1'] }, Mutation: { file: () => 'filed' } },
      intercept: () => {
        calls.n += 1;
        if (failures-- > 0) refused();
        if (hang) {
          return new Promise<Response>((resolve) =>
            setTimeout(() => resolve(Response.json({ data: null })), 1000),
          );
        }
        return answer?.();
      },
    };
    const gw = createGatewayTester({
      subgraphs: [zones, reports],
      upstreamTimeout: 100,
      plugins: () => [useQueryRetry({ retries: 1 })],
    });
    return Object.assign(gw, { calls });
  };

  it('EXPECTED FAILURE - sends a query again once when the connection failed', async () => {
    await using gw = start(1);
    const res = await gw.graphql({ query });
    assert.deepEqual(res.body.data.zones[0].reports, ['r1']);
    assert.equal(gw.calls.n, 2);
  });

  it('never sends a mutation twice, nor a query the subgraph answered with an error', async () => {
    await using mutation = start(1);
    const res = await mutation.graphql({ query: 'mutation { file(text: "x") }' });
    assert.equal(res.body.data?.file ?? null, null);
    assert.equal(mutation.calls.n, 1, 'the mutation went out once');
    await using answered = start(0, () =>
      Response.json({ errors: [{ message: 'boom' }], data: null }, { status: 500 }),
    );
    await answered.graphql({ query });
    assert.equal(answered.calls.n, 1, 'a 500 is an answer, not a lost connection');
  });

  it('EXPECTED FAILURE - does not retry a timeout: a hung subgraph costs one timeout, not two', async () => {
    await using gw = start(0, undefined, true);
    const began = performance.now();
    const res = await gw.graphql({ query });
    assert.equal(res.body.errors[0].extensions.code, 'GATEWAY_TIMEOUT');
    assert.ok(
      performance.now() - began < 190,
      `${Math.round(performance.now() - began)} ms for a 100 ms timeout`,
    );
    assert.equal(gw.calls.n, 1);
  });
});
