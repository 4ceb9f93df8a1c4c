/**
 * `npm run bench`: latency of the dashboard's all-zones flood query through the gateway, against a
 * baseline measured in the same run (the same 470 zones without floodRisk), and the number of model
 * calls per query read from the predictions subgraph's /metrics. Machines are shared and noisy:
 * compare the ratios, not the milliseconds.
 *
 *   npm run bench -- --runs 50
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
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
const BASELINE = '{ zones(first: 500) { edges { node { id name elevationMean } } } }';

const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-bench-'));
// Response cache off and a generous rate limit: this measures the query, not the cache or the limiter.
const stack = await startStack({
  env: {
    DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    DATABASE_URL: undefined,
    RESPONSE_CACHE_TTL_MS: '0',
    RATE_LIMIT_PER_IP: '100000',
  },
});
try {
  const run = (query: string) => async () => {
    const res = await postGraphQL(stack.gatewayUrl, query);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
  };
  const predictions = stack.services.predictions.baseUrl;
  const baseline = await measure(run(BASELINE), { warmup, runs });
  const calls0 = await counter(predictions, 'inference_calls_total', { model: 'flood' });
  const flood = await measure(run(WITH_FLOOD), { warmup, runs });
  const calls = (await counter(predictions, 'inference_calls_total', { model: 'flood' })) - calls0;
  const report = {
    query: 'zones(first: 500) with floodRisk, 470 zones, through the gateway, PGlite',
    baseline: { what: 'same zones without floodRisk', ...baseline },
    withFloodRisk: flood,
    ratioP50: ratio(flood.p50Ms, baseline.p50Ms),
    ratioP95: ratio(flood.p95Ms, baseline.p95Ms),
    modelCallsPerQuery: calls / (runs + warmup),
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
