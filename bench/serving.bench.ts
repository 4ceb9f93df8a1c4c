/**
 * `npm run bench:serving` (part of `npm run bench`): prediction serving through the gateway, each
 * figure against a baseline measured in the same run (the machines are shared and noisy: compare
 * the ratios, not the milliseconds). Every stack runs the four services as processes on PGlite
 * with the response cache off, so each query reaches the subgraphs.
 *
 * 1. The dashboard query (schema/operations/dashboard/CityOutlook.graphql): every zone's flood risk with `explain(top: 5)` and its 24-step AQI
 *    forecast. Cold (prediction and explanation caches off: every query runs the models and
 *    TreeSHAP) and cached (caches on, warmed by the first query), p50/p95, and model calls per
 *    query from the predictions subgraph's /metrics.
 * 2. The same query with batching off (INFERENCE_BATCHING=false: one model call per zone): ratio.
 * 3. 64 concurrent single-zone queries, with the cross-request batcher (INFERENCE_BATCH_WAIT_MS=2)
 *    and without it (0): throughput ratio and model calls per round.
 *
 *   npm run bench:serving -- --runs 20
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startStack, type Stack } from '../scripts/stack.ts';
import { counter, postGraphQL } from '../test/support.ts';
import { measure, percentile, ratio } from './lib.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '30' },
  },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);

// The dashboard's own persisted operation: the bench runs exactly what dashboards run.
const DASHBOARD = await readFile(
  path.resolve(import.meta.dirname, '../schema/operations/dashboard/CityOutlook.graphql'),
  'utf8',
);
const ONE_ZONE = 'query($id: ID!) { zone(id: $id) { id floodRisk { probability level } } }';

async function withStack<T>(env: Record<string, string>, fn: (stack: Stack) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-bench-'));
  const stack = await startStack({
    env: {
      DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      GATEWAY_SECRET: 'bench-secret-that-is-at-least-32-chars',
      RESPONSE_CACHE_TTL_MS: '0',
      RATE_LIMIT_PER_IP: '1000000',
      MAX_QUERY_COST: '1000000',
      FLOOD_RESCORE_SECONDS: '0',
      ...env,
    },
  });
  try {
    return await fn(stack);
  } finally {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const query = (url: string, q: string, variables?: Record<string, unknown>) => async () => {
  const res = await postGraphQL(url, q, variables);
  if (res.errors) throw new Error(JSON.stringify(res.errors).slice(0, 500));
  return res;
};

/** The dashboard query's timings and model calls per query on a stack. */
async function dashboard(stack: Stack) {
  const predictions = stack.services.predictions.baseUrl;
  const calls = async () => ({
    flood: await counter(predictions, 'inference_calls_total', { model: 'flood' }),
    aqi: await counter(predictions, 'inference_calls_total', { model: 'aqi' }),
  });
  const before = await calls();
  const timing = await measure(query(stack.gatewayUrl, DASHBOARD), { warmup, runs });
  const after = await calls();
  const n = warmup + runs;
  return {
    ...timing,
    modelCallsPerQuery: { flood: (after.flood - before.flood) / n, aqi: (after.aqi - before.aqi) / n },
  };
}

async function zoneIds(stack: Stack): Promise<string[]> {
  const res = await query(stack.gatewayUrl, '{ zones(first: 500) { edges { node { id } } } }')();
  return (res.data!['zones'] as { edges: { node: { id: string } }[] }).edges.map((e) => e.node.id);
}

/** `rounds` rounds of 64 concurrent single-zone queries (distinct zones, caches off). */
async function concurrent(stack: Stack) {
  const ids = await zoneIds(stack);
  const predictions = stack.services.predictions.baseUrl;
  const round = (r: number) =>
    Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        query(stack.gatewayUrl, ONE_ZONE, { id: ids[(r * 64 + i) % ids.length] })(),
      ),
    );
  for (let r = 0; r < 3; r++) await round(r);
  const calls0 = await counter(predictions, 'inference_calls_total', { model: 'flood' });
  const times: number[] = [];
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const s = performance.now();
    await round(r);
    times.push(performance.now() - s);
  }
  const wall = (performance.now() - t0) / 1000;
  const calls = (await counter(predictions, 'inference_calls_total', { model: 'flood' })) - calls0;
  times.sort((a, b) => a - b);
  return {
    queriesPerSecond: Math.round((rounds * 64) / wall),
    roundP50Ms: Math.round(percentile(times, 50)),
    roundP95Ms: Math.round(percentile(times, 95)),
    modelCallsPerRound: Math.round((calls / rounds) * 10) / 10,
  };
}

const cold = await withStack(
  { PREDICTION_CACHE_TTL_SECONDS: '0', INFERENCE_BATCH_WAIT_MS: '2' },
  async (stack) => ({
    dashboard: await dashboard(stack),
    concurrent: await concurrent(stack),
  }),
);
const cached = await withStack({ PREDICTION_CACHE_TTL_SECONDS: '600' }, dashboard);
const unbatched = await withStack(
  { PREDICTION_CACHE_TTL_SECONDS: '0', INFERENCE_BATCHING: 'false' },
  dashboard,
);
const noCrossRequest = await withStack(
  { PREDICTION_CACHE_TTL_SECONDS: '0', INFERENCE_BATCH_WAIT_MS: '0' },
  concurrent,
);

console.log(
  JSON.stringify(
    {
      dashboardQuery: {
        what: 'CityOutlook: all 470 zones, floodRisk with explain(top: 5) and aqiForecast(hours: 24), through the gateway, PGlite, no response cache',
        cold: { what: 'prediction and explanation caches off', ...cold.dashboard },
        cached: { what: 'caches on (in process), warmed by the first query', ...cached },
        cachedOverColdP50: ratio(cached.p50Ms, cold.dashboard.p50Ms),
        batchingOff: { what: 'INFERENCE_BATCHING=false: one model call per zone', ...unbatched },
        batchingOffOverOnP50: ratio(unbatched.p50Ms, cold.dashboard.p50Ms),
        batchingOffOverOnP95: ratio(unbatched.p95Ms, cold.dashboard.p95Ms),
      },
      concurrentSingleZone: {
        what: `${rounds} rounds of 64 concurrent zone(id) { floodRisk } queries, distinct zones, caches off`,
        withBatcher: { what: 'INFERENCE_BATCH_WAIT_MS=2', ...cold.concurrent },
        withoutBatcher: { what: 'INFERENCE_BATCH_WAIT_MS=0', ...noCrossRequest },
        throughputRatio: ratio(cold.concurrent.queriesPerSecond, noCrossRequest.queriesPerSecond),
      },
    },
    null,
    2,
  ),
);
