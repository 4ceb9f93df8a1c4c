import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind } from '@cityassist/service-kit';
import { recordSpans } from '@cityassist/service-kit/telemetry/testing';
import { createGatewayTester, type TestSubgraph } from '../testing/gateway-tester.ts';
import { useTracing } from './use-tracing.ts';

const zones: TestSubgraph = {
  name: 'zones',
  typeDefs: `type Query { zones: [Zone!]! } type Zone @key(fields: "id") { id: ID! name: String }`,
  resolvers: { Query: { zones: () => [{ id: 'z1', name: 'zone 1' }] } },
};
const predictions: TestSubgraph = {
  name: 'predictions',
  typeDefs: `type Zone @key(fields: "id") { id: ID! risk: Float }`,
  resolvers: { Zone: { risk: () => 0.5 } },
};

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

describe('useTracing', () => {
  it("continues the client's traceparent and passes its trace on to every subgraph it asks", async () => {
    await using recorder = recordSpans();
    await using gw = createGatewayTester({ subgraphs: [zones, predictions], plugins: () => [useTracing()] });
    const res = await gw.graphql(
      { query: 'query CityRisk { zones { id name risk } }' },
      { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` },
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { data: { zones: [{ id: 'z1', name: 'zone 1', risk: 0.5 }] } });

    const request = recorder.spans().find((s) => s.kind === SpanKind.SERVER);
    assert.ok(request, 'no request span');
    assert.equal(request.spanContext().traceId, TRACE_ID);
    assert.equal(request.parentSpanContext?.spanId, CLIENT_SPAN);
    const fetches = recorder.named('http.fetch');
    assert.equal(fetches.length, 2);
    // Each subgraph got a traceparent of this trace naming the gateway's own fetch span as parent.
    assert.deepEqual(
      gw.upstream.map((u) => u.subgraph),
      ['zones', 'predictions'],
    );
    for (const u of gw.upstream) {
      const [, traceId, parent] =
        /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(u.headers.get('traceparent') ?? '') ?? [];
      assert.equal(traceId, TRACE_ID, u.subgraph);
      assert.ok(
        fetches.some((f) => f.spanContext().spanId === parent),
        `${u.subgraph}: parent ${parent} is not a fetch span`,
      );
    }
    assert.ok(recorder.named('graphql.operation CityRisk').length === 1);
    assert.ok(
      recorder.spans().every((s) => s.spanContext().traceId === TRACE_ID || s.name.startsWith('gateway.')),
    );
  });

  it('starts a trace of its own when the client sends none, and leaves probes untraced', async () => {
    await using recorder = recordSpans();
    await using gw = createGatewayTester({
      subgraphs: [zones],
      healthCheckEndpoint: '/health',
      plugins: () => [useTracing()],
    });
    assert.equal((await gw.graphql({ query: '{ zones { id } }' })).status, 200);
    assert.equal((await gw.fetch('/health')).status, 200);
    const servers = recorder.spans().filter((s) => s.kind === SpanKind.SERVER);
    assert.equal(servers.length, 1, servers.map((s) => s.name).join(', '));
    assert.equal(servers[0]!.parentSpanContext, undefined);
    assert.equal(
      gw.upstream[0]!.headers.get('traceparent')?.split('-')[1],
      servers[0]!.spanContext().traceId,
    );
  });
});
