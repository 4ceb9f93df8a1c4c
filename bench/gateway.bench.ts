/**
 * `npm run bench:gateway` (part of `npm run bench`): the four services as separate processes on
 * PGlite, response cache off, and two comparisons, each against a baseline measured in the same
 * run, since the machines are shared and noisy (compare the ratios, not the milliseconds):
 *
 * 1. The dashboard's all-zones flood query through the gateway (470 zones, one model call) against
 *    the same zones without floodRisk; and model calls per query, read from the predictions
 *    subgraph's /metrics.
 * 2. The gateway's added latency: a simple query through the gateway against the same query sent
 *    straight to the zones subgraph.
 *
 *   npm run bench:gateway -- --runs 50
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GATEWAY_SECRET_HEADER } from '@cityassist/service-kit';
import { startStack } from '../scripts/stack.ts';
import { counter, postGraphQL } from '../test/support.ts';
import { measure, ratio } from './lib.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '30' }, warmup: { type: 'string', default: '5' } },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);

const WITH_FLOOD =
  '{ zones(first: 500) { edges { node { id name elevationMean floodRisk { score level model { name version } } } } } }';
const ZONES_ONLY = '{ zones(first: 500) { edges { node { id name elevationMean } } } }';
const SIMPLE = '{ zone(id: "260960005000001") { id name population elevationMean } }';

const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-bench-'));
const secret = 'bench-secret-that-is-at-least-32-chars';
const stack = await startStack({
  env: {
    DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    DATABASE_URL: undefined,
    GATEWAY_SECRET: secret,
    // Measure the query, not the cache or the limiter.
    RESPONSE_CACHE_TTL_MS: '0',
    PREDICTION_CACHE_TTL_SECONDS: '0',
    RATE_LIMIT_PER_IP: '1000000',
  },
});
try {
  const run =
    (url: string, query: string, headers: Record<string, string> = {}) =>
    async () => {
      const res = await postGraphQL(url, query, undefined, headers);
      if (res.errors) throw new Error(JSON.stringify(res.errors));
    };
  const predictions = stack.services.predictions.baseUrl;
  const zonesOnly = await measure(run(stack.gatewayUrl, ZONES_ONLY), { warmup, runs });
  const calls0 = await counter(predictions, 'inference_calls_total', { model: 'flood' });
  const withFlood = await measure(run(stack.gatewayUrl, WITH_FLOOD), { warmup, runs });
  const calls = (await counter(predictions, 'inference_calls_total', { model: 'flood' })) - calls0;

  const direct = await measure(
    run(`${stack.services.zones.baseUrl}/graphql`, SIMPLE, { [GATEWAY_SECRET_HEADER]: secret }),
    {
      warmup,
      runs: runs * 3,
    },
  );
  const viaGateway = await measure(run(stack.gatewayUrl, SIMPLE), { warmup, runs: runs * 3 });

  console.log(
    JSON.stringify(
      {
        allZonesFloodQuery: {
          what: 'zones(first: 500) with floodRisk: 470 zones through the gateway, PGlite, no response cache',
          baseline: { what: 'the same zones without floodRisk', ...zonesOnly },
          withFloodRisk: withFlood,
          ratioP50: ratio(withFlood.p50Ms, zonesOnly.p50Ms),
          ratioP95: ratio(withFlood.p95Ms, zonesOnly.p95Ms),
          modelCallsPerQuery: calls / (runs + warmup),
        },
        gatewayOverhead: {
          what: 'zone(id) { id name population elevationMean }',
          direct: { what: 'straight to the zones subgraph', ...direct },
          viaGateway,
          ratioP50: ratio(viaGateway.p50Ms, direct.p50Ms),
          addedP50Ms: Math.round((viaGateway.p50Ms - direct.p50Ms) * 100) / 100,
        },
      },
      null,
      2,
    ),
  );
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
