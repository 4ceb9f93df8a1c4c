import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createMaskError } from '../mask-error.ts';
import { documentIdOf, normaliseDocumentId } from '../persisted-documents.ts';
import { createGatewayTester, type TestSubgraph } from '../testing/gateway-tester.ts';
import { outcomeOf, useMetrics } from './use-metrics.ts';

const ZONES_PAGE = 'query ZonesPage { zones { id name } }';
const WITH_REPORTS = 'fragment R on Zone { reports } query ZoneReports { zones { id ...R } }';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const documents = new Map([
  [sha(ZONES_PAGE), ZONES_PAGE],
  [sha(WITH_REPORTS), WITH_REPORTS],
]);

function start(opts: { reportsDown?: boolean } = {}) {
  const registry = new Registry();
  const zones: TestSubgraph = {
    name: 'zones',
    typeDefs: `type Query { zones: [Zone!]! } type Zone @key(fields: "id") { id: ID! name: String }`,
    resolvers: { Query: { zones: () => [{ id: 'z1', name: 'zone 1' }] } },
  };
  const reports: TestSubgraph = {
    name: 'reports',
    typeDefs: `type Zone @key(fields: "id") { id: ID! reports: [String!] }`,
    resolvers: { Zone: { reports: () => ['r1'] } },
    intercept: () => {
      if (opts.reportsDown) throw new TypeError('fetch failed: connect ECONNREFUSED 127.0.0.1:4002');
      return undefined;
    },
  };
  const gw = createGatewayTester({
    subgraphs: [zones, reports],
    maskedErrors: { maskError: createMaskError({ production: true }) },
    persistedDocuments: {
      getPersistedOperation: (id: string) => documents.get(normaliseDocumentId(id) ?? '') ?? null,
      extractPersistedOperationId: (params: { extensions?: Record<string, unknown>; documentId?: unknown }) =>
        documentIdOf(params) ?? null,
      allowArbitraryDocuments: true,
    },
    plugins: () => [useMetrics({ registry, documents, endpoint: '/metrics' })],
  });
  return Object.assign(gw, { registry });
}

/** The samples of one metric family: labels → value. */
async function samples(registry: Registry, name: string) {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.map((v) => ({
    name: (v as { metricName?: string }).metricName ?? name,
    labels: v.labels,
    value: v.value,
  }));
}
const seriesCount = async (registry: Registry) =>
  (await registry.getMetricsAsJSON()).reduce((n, m) => n + m.values.length, 0);

describe('useMetrics', () => {
  it("labels a persisted document's requests with its operation's name, and text documents `other`", async () => {
    await using gw = start();
    assert.equal((await gw.graphql({ documentId: `sha256:${sha(ZONES_PAGE)}` })).status, 200);
    assert.equal((await gw.graphql({ documentId: sha(WITH_REPORTS) })).status, 200);
    // A text document naming itself after a persisted one is still `other`.
    assert.equal((await gw.graphql({ query: 'query ZonesPage { zones { id } }' })).status, 200);
    const requests = await samples(gw.registry, 'requests_total');
    assert.deepEqual(
      requests.map((s) => [s.labels['operation'], s.labels['status_class'], s.labels['outcome'], s.value]),
      [
        ['ZonesPage', '2xx', 'ok', 1],
        ['ZoneReports', '2xx', 'ok', 1],
        ['other', '2xx', 'ok', 1],
      ],
    );
    const counts = (await samples(gw.registry, 'graphql_request_duration_seconds')).filter((s) =>
      s.name.endsWith('_count'),
    );
    assert.deepEqual(
      counts.map((s) => [s.labels['operation'], s.value]),
      [
        ['ZonesPage', 1],
        ['ZoneReports', 1],
        ['other', 1],
      ],
    );
  });

  it('keeps the series bounded: 1,000 distinct text documents add one label value, not 1,000', async () => {
    await using gw = start();
    await gw.graphql({ query: '{ zones { id } }' });
    await gw.graphql({ query: '{ nope }' });
    const before = await seriesCount(gw.registry);
    for (let i = 0; i < 1000; i++) {
      // Distinct documents, distinct operation names, valid and invalid ones.
      const query = i % 2 ? `query Q${i} { zones { id a${i}: name } }` : `query Bad${i} { nope${i} }`;
      await gw.graphql({ query });
    }
    // A document id nobody persisted is `other` too.
    await gw.graphql({ documentId: `sha256:${sha('query Unknown { zones { id } }')}` });
    const after = await seriesCount(gw.registry);
    // At most the new error codes (PERSISTED_QUERY_NOT_FOUND) and its 4xx request series.
    assert.ok(after - before <= 4, `${after - before} new series`);
    const operations = new Set(
      (await samples(gw.registry, 'requests_total')).map((s) => s.labels['operation']),
    );
    assert.deepEqual([...operations], ['other']);
  });

  it('counts errors by code, a down subgraph as a server error, and the subgraph requests', async () => {
    await using gw = start({ reportsDown: true });
    const res = await gw.graphql({ documentId: sha(WITH_REPORTS) });
    assert.equal(res.status, 200, 'a partial answer');
    assert.equal(res.body.errors[0].extensions.code, 'SUBGRAPH_UNAVAILABLE');
    await gw.graphql({ query: '{ nope }' });
    const requests = await samples(gw.registry, 'requests_total');
    assert.deepEqual(
      requests.map((s) => [s.labels['operation'], s.labels['outcome']]),
      [
        ['ZoneReports', 'server_error'],
        ['other', 'client_error'],
      ],
    );
    const errors = await samples(gw.registry, 'errors_total');
    assert.deepEqual(
      errors.map((s) => [s.labels['operation'], s.labels['code'], s.value]),
      [
        ['ZoneReports', 'SUBGRAPH_UNAVAILABLE', 1],
        ['other', 'GRAPHQL_VALIDATION_FAILED', 1],
      ],
    );
    const upstream = await samples(gw.registry, 'subgraph_requests_total');
    assert.deepEqual(upstream.map((s) => [s.labels['subgraph'], s.labels['outcome']]).sort(), [
      ['reports', 'failed'],
      ['zones', 'ok'],
    ]);
  });

  it('serves the registry on its endpoint, with the brief names', async () => {
    await using gw = start();
    await gw.graphql({ query: '{ zones { id } }' });
    const res = await gw.fetch('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    for (const name of [
      'requests_total',
      'errors_total',
      'graphql_request_duration_seconds',
      'cache_hits_total',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'));
    }
  });

  it('classifies outcomes: server codes and 5xx spend the budget, a fallback answer does not', () => {
    assert.equal(outcomeOf(200, []), 'ok');
    assert.equal(outcomeOf(200, ['PREDICTION_DEGRADED']), 'degraded');
    assert.equal(outcomeOf(200, ['ZONE_NOT_FOUND']), 'client_error');
    assert.equal(outcomeOf(429, []), 'client_error');
    assert.equal(outcomeOf(200, ['PREDICTION_DEGRADED', 'SUBGRAPH_UNAVAILABLE']), 'server_error');
    assert.equal(outcomeOf(503, []), 'server_error');
    assert.equal(outcomeOf(200, ['OTHER']), 'server_error');
  });
});
