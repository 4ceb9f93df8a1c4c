import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ApiKeyStore } from '../auth/api-keys.ts';
import { Authenticator } from '../auth/authenticator.ts';
import { Callers } from '../auth/callers.ts';
import { RateLimits } from '../limits/rate-limits.ts';
import { loadDocumentStore, type DocumentStore } from '../persisted-documents.ts';
import { RequestIds } from '../request-ids.ts';
import { REST_ROUTES } from '../rest/routes.ts';
import { createGatewayTester, type TestSubgraph } from '../testing/gateway-tester.ts';
import { useAuth } from './use-auth.ts';
import { useRateLimit } from './use-rate-limit.ts';
import { useRestRoutes } from './use-rest-routes.ts';

const MANIFEST = path.resolve(
  import.meta.dirname,
  '../../../packages/client/src/generated/persisted-documents.json',
);

/** Just enough of the predictions subgraph for the persisted PredictFlood operation. */
const predictions: TestSubgraph = {
  name: 'predictions',
  typeDefs: `
    type Query { floodPrediction(input: FloodPredictionInput!): FloodPrediction }
    input FloodPredictionInput { zoneId: ID! at: String features: [FeatureInput!] }
    input FeatureInput { name: String! value: Float }
    type FloodPrediction { predictionId: ID! score: Float! probability: Float! level: String! degraded: Boolean!
      explain(top: Int): [Contribution!]! model: ModelRef! }
    type Contribution { feature: String! contribution: Float! }
    type ModelRef { name: String! version: String! }
    scalar Upload
    type Mutation { classifyReportImage(photo: Upload!): Classification }
    type Classification { label: String! confidence: Float! suggestedPriority: String! }`,
  resolvers: {
    Query: {
      floodPrediction: (_: unknown, { input }: { input: { zoneId: string } }) =>
        input.zoneId === 'nowhere'
          ? null
          : {
              predictionId: `pred-${input.zoneId}`,
              score: 0.72,
              probability: 0.72,
              level: 'HIGH',
              degraded: false,
              explain: [{ feature: 'rain_mm', contribution: 0.32 }],
              model: { name: 'flood', version: '1.0.0' },
            },
    },
  },
};

describe('useRestRoutes', () => {
  let documents: DocumentStore;
  before(async () => {
    documents = await loadDocumentStore([MANIFEST]);
  });

  const start = (ipPoints = 100) => {
    const callers = new Callers(new Authenticator(ApiKeyStore.empty()));
    const limits = new RateLimits({
      keyPoints: 100,
      ipPoints,
      windowSeconds: 60,
      keyPrefix: 't:',
      registry: new Registry(),
    });
    const gw = createGatewayTester({
      subgraphs: [predictions],
      persistedDocuments: {
        getPersistedOperation: (id: string) => documents.get(id.replace(/^sha256:/, '')) ?? null,
      },
      plugins: () => [
        useRateLimit({ limits, callers, trustProxy: false }),
        ...useAuth({ callers }),
        useRestRoutes({
          routes: REST_ROUTES,
          documents,
          callers,
          requestIds: new RequestIds(),
          runtime: () => gw.runtime,
          maxUploadBytes: 1024 * 1024,
        }),
      ],
    });
    return gw;
  };
  const predict = (gw: ReturnType<typeof start>, body: unknown, headers: Record<string, string> = {}) =>
    gw.fetch('/api/v1/predict/flood', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it("answers POST /api/v1/predict/flood in the brief's shape from the persisted PredictFlood", async () => {
    await using gw = start();
    const res = await predict(gw, { zone_id: 'Zone-A', features: { rain_1h_mm: 40 } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      prediction_id: 'pred-Zone-A',
      risk_score: 0.72,
      probability: 0.72,
      explain: [{ feature: 'rain_mm', contrib: 0.32 }],
      meta: { model: 'flood-v1.0.0' },
    });
    assert.equal(gw.upstream.length, 1);
    assert.deepEqual(Object.values(gw.upstream[0]!.body.variables as object), [
      { zoneId: 'Zone-A', features: [{ name: 'rain_1h_mm', value: 40 }] },
    ]);
  });

  it('EXPECTED FAILURE - a forged Host header changes nothing: the operation runs in process, never over HTTP', async () => {
    await using gw = start();
    const res = await predict(
      gw,
      { zone_id: 'Zone-A' },
      { host: '127.0.0.1:9', 'x-forwarded-host': 'evil.test' },
    );
    assert.equal(res.status, 200);
    // The only request that left the gateway went to the predictions subgraph.
    assert.deepEqual(
      gw.upstream.map((u) => u.subgraph),
      ['predictions'],
    );
  });

  it('EXPECTED FAILURE - counts a REST call once against the rate limit, not twice', async () => {
    await using gw = start(3);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await predict(gw, { zone_id: `z${i}` })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const limited = await predict(gw, { zone_id: 'z9' });
    assert.equal(limited.headers.get('content-type'), 'application/json');
    const body = (await limited.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'RATE_LIMITED', 'in the REST error shape');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });

  it('EXPECTED FAILURE - refuses bad requests with a status and {"error": {"code", "message"}}', async () => {
    await using gw = start();
    const cases: [unknown, Record<string, string>, number, string][] = [
      ['{"zone_id": ', {}, 400, 'INVALID_JSON'],
      [{ zone_id: 'a b' }, {}, 400, 'BAD_REQUEST'],
      [{ zone_id: 'a', extra: 1 }, {}, 400, 'BAD_REQUEST'],
      [{ zone_id: 'a' }, { 'content-type': 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [{ zone_id: 'a' }, { 'x-api-key': 'ca_wrong' }, 401, 'UNAUTHENTICATED'],
    ];
    for (const [body, headers, status, code] of cases) {
      const res = await predict(gw, body, headers);
      assert.equal(res.status, status, `${JSON.stringify(body)} ${JSON.stringify(headers)}`);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, code);
    }
    const get = await gw.fetch('/api/v1/predict/flood');
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
  });
});
