import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@graphql-hive/logger';
import { GatewayLogWriter } from '../log-writer.ts';
import { createMaskError } from '../mask-error.ts';
import { RequestIds } from '../request-ids.ts';
import { createGatewayTester, type TestSubgraph } from '../testing/gateway-tester.ts';
import { useUpstreamLog } from './use-upstream-log.ts';

const CANARY = 'CANARY-PII-joao-99120';

const zones: TestSubgraph = {
  name: 'zones',
  typeDefs: `type Query { zones: [Zone!]! } type Zone @key(fields: "id") { id: ID! name: String }`,
  resolvers: {
    Query: { zones: () => Array.from({ length: 50 }, (_, i) => ({ id: `z${i}`, name: `zone ${i}` })) },
  },
};
const reports: TestSubgraph = {
  name: 'reports',
  typeDefs: `type Zone @key(fields: "id") { id: ID! reports(text: String): [String!] }`,
  intercept: () => {
    throw new TypeError('fetch failed: connect ECONNREFUSED 127.0.0.1:4002');
  },
};

/** A gateway whose log lines land in `lines`, with the plugin under test. */
function start(subgraphs: TestSubgraph[], upstreamTimeout?: number) {
  const lines: string[] = [];
  const log = new Logger({
    level: 'info',
    writers: [new GatewayLogWriter((l) => lines.push(l))],
    attrs: { service: 'gateway' },
  });
  const gw = createGatewayTester({
    subgraphs,
    logging: log,
    ...(upstreamTimeout ? { upstreamTimeout } : {}),
    maskedErrors: { maskError: createMaskError({ production: true }) },
    plugins: () => [useUpstreamLog({ log, requestIds: new RequestIds() })],
  });
  return Object.assign(gw, { lines });
}

describe('useUpstreamLog', () => {
  it('EXPECTED FAILURE - logs one line per failed subgraph request, with no body or variables, however many paths fail', async () => {
    await using gw = start([zones, reports]);
    const { lines } = gw;
    const res = await gw.graphql(
      { query: 'query Dashboard($t: String) { zones { id reports(text: $t) } }', variables: { t: CANARY } },
      { 'x-request-id': 'req-42' },
    );
    assert.equal(res.body.data.zones.length, 50, 'the zones still answer');
    assert.ok(res.body.errors.every((e: any) => e.extensions.code === 'SUBGRAPH_UNAVAILABLE'));
    const failed = lines.filter((l) => l.includes('subgraph request failed'));
    assert.equal(failed.length, 1, lines.join('\n'));
    const line = JSON.parse(failed[0]!);
    assert.equal(line.subgraph, 'reports');
    assert.equal(line.operationName, 'Dashboard');
    assert.equal(line.requestId, 'req-42');
    assert.equal(line.level, 'warn');
    assert.ok(!lines.join('\n').includes(CANARY), 'no variables in any log line');
    assert.ok(
      lines.every((l) => !l.includes('"level":"error"')),
      'an outage is not an error of ours, line by line',
    );
  });

  it('EXPECTED FAILURE - logs a timed-out subgraph request too, once', async () => {
    await using gw = start(
      [
        zones,
        {
          ...reports,
          intercept: () =>
            new Promise<Response>((r) => setTimeout(() => r(Response.json({ data: null })), 500)),
        },
      ],
      50,
    );
    const { lines } = gw;
    const res = await gw.graphql({ query: '{ zones { id reports(text: "x") } }' });
    assert.equal(res.body.errors[0].extensions.code, 'SUBGRAPH_UNAVAILABLE');
    assert.equal(res.body.errors[0].extensions.reason, 'timeout');
    const failed = lines.filter((l) => l.includes('subgraph request failed')).map((l) => JSON.parse(l));
    assert.equal(failed.length, 1, lines.join('\n'));
    assert.equal(failed[0].code, 'GATEWAY_TIMEOUT');
  });
});
