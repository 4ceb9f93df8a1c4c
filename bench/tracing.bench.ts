/**
 * `npm run bench:tracing`: what tracing costs (docs/tracing.md), each figure against a baseline
 * measured in the same run, since the machines are shared and noisy (compare the ratios, not the
 * milliseconds).
 *
 * 1. The dashboard's persisted CityOutlook (every zone's flood risk with its explanation and its
 *    24-hour AQI forecast) through two stacks started side by side, four services each as
 *    processes on PGlite, response and prediction caches off (every query runs both models and
 *    TreeSHAP): one with tracing off (no OTEL_* variable), one exporting every span (the default
 *    sampler, every trace kept) as OTLP/HTTP JSON to a receiver on loopback, with the SDK's
 *    default batching. Queries alternate between them, the order swapped every round; p50 and
 *    p95 of each, their ratio, and the spans one query makes.
 * 2. withSpan with tracing off, on a hot loop: a call through it against the same function called
 *    directly, alternating rounds; and, for scale, one span with tracing on (recorded in memory).
 *
 *   npm run bench:tracing -- --runs 20
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tracingEnabled, withSpan } from '@cityassist/service-kit';
import { recordSpans } from '@cityassist/service-kit/telemetry/testing';
import { ROOT, startStack, type Stack } from '../scripts/stack.ts';
import { startOtlpReceiver } from '../test/otlp-receiver.ts';
import { percentile, ratio, type Timing } from './lib.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    loop: { type: 'string', default: '5000000' },
  },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);
const loop = Number(values.loop);

const manifest = JSON.parse(
  await readFile(path.join(ROOT, 'packages/client/src/generated/persisted-documents.json'), 'utf8'),
) as Record<string, string>;
const cityOutlook = Object.keys(manifest).find((id) => manifest[id]!.startsWith('query CityOutlook'));
if (!cityOutlook) throw new Error('no persisted CityOutlook; run npm run codegen');

const timing = (samples: number[]): Timing => {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    runs: samples.length,
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    meanMs: round(sorted.reduce((s, t) => s + t, 0) / sorted.length),
  };
};

async function startBenchStack(env: Record<string, string | undefined>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-bench-'));
  const stack = await startStack({
    env: {
      DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      GATEWAY_SECRET: 'bench-secret-that-is-at-least-32-chars',
      RESPONSE_CACHE_TTL_MS: '0',
      PREDICTION_CACHE_TTL_SECONDS: '0',
      RATE_LIMIT_PER_IP: '1000000',
      FLOOD_RESCORE_SECONDS: '0',
      MODEL_TIMEOUT_MS: '30000',
      // Neither stack inherits the shell's tracing settings.
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
      ...env,
    },
  });
  return Object.assign(stack, { dir });
}

/** One CityOutlook, timed; fails on an error or a degraded answer (which skips the models). */
async function query(stack: Stack): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ documentId: cityOutlook }),
  });
  const text = await res.text();
  const elapsed = performance.now() - t0;
  const body = JSON.parse(text) as { errors?: unknown[] };
  if (res.status !== 200 || body.errors) throw new Error(`CityOutlook: ${text.slice(0, 300)}`);
  return elapsed;
}

// 1. CityOutlook, tracing off and on, alternating.
const receiver = await startOtlpReceiver();
const [off, on] = await Promise.all([
  startBenchStack({}),
  startBenchStack({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
]);
let endToEnd;
try {
  const samples = { off: [] as number[], on: [] as number[] };
  for (let i = 0; i < warmup + runs; i++) {
    const order = i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
    for (const which of order) {
      const ms = await query(which === 'off' ? off : on);
      if (i >= warmup) samples[which].push(ms);
    }
  }
  // The last batch is exported within the SDK's 5 s schedule.
  await new Promise((r) => setTimeout(r, 6000));
  const traces = new Set(
    receiver.spans.filter((s) => s.service === 'gateway' && !s.parentSpanId).map((s) => s.traceId),
  );
  const perQuery = receiver.spans.filter((s) => traces.has(s.traceId)).length / Math.max(1, traces.size);
  const tOff = timing(samples.off);
  const tOn = timing(samples.on);
  endToEnd = {
    what: 'the persisted CityOutlook through the gateway, prediction and response caches off, alternating between a stack with tracing off and one exporting every span (OTLP/HTTP JSON, default batching)',
    off: tOff,
    on: tOn,
    ratioP50: ratio(tOn.p50Ms, tOff.p50Ms),
    ratioP95: ratio(tOn.p95Ms, tOff.p95Ms),
    addedP50Ms: Math.round((tOn.p50Ms - tOff.p50Ms) * 100) / 100,
    spansPerQuery: Math.round(perQuery),
    exportRequests: receiver.requests(),
  };
} finally {
  await Promise.all([off.stop(), on.stop()]);
  await Promise.all([off, on].map((s) => rm(s.dir, { recursive: true, force: true })));
  await receiver[Symbol.asyncDispose]();
}

// 2. withSpan off on a hot loop, against the bare call.
if (tracingEnabled()) throw new Error('tracing must be off in the benchmark process itself');
let sink = 0;
const work = (i: number) => (i * 7) % 13;
const attributes = { 'model.name': 'flood', 'model.rows': 470 };
const bare = () => {
  const t0 = performance.now();
  for (let i = 0; i < loop; i++) sink += work(i);
  return performance.now() - t0;
};
const wrapped = () => {
  const t0 = performance.now();
  for (let i = 0; i < loop; i++) sink += withSpan('model.predict', attributes, () => work(i));
  return performance.now() - t0;
};
const rounds = { bare: [] as number[], withSpan: [] as number[] };
for (let r = 0; r < 12; r++) {
  const order = r % 2 === 0 ? [bare, wrapped] : [wrapped, bare];
  for (const fn of order) {
    const ms = fn();
    // The first two rounds warm the JIT up.
    if (r >= 2) rounds[fn === bare ? 'bare' : 'withSpan'].push(ms);
  }
}
const nsPerCall = (ms: number[]) =>
  Math.round(
    ((percentile(
      [...ms].sort((a, b) => a - b),
      50,
    ) *
      1e6) /
      loop) *
      100,
  ) / 100;
let spanOnNs;
{
  await using recorder = recordSpans();
  const n = 100_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += withSpan('model.predict', attributes, () => work(i));
  spanOnNs = Math.round(((performance.now() - t0) * 1e6) / n);
  if (recorder.spans().length !== n) throw new Error('the spans were not recorded');
}

console.log(
  JSON.stringify(
    {
      cityOutlook: endToEnd,
      withSpanOff: {
        what: `withSpan(name, attributes, fn) with tracing off against fn() called directly, ${loop.toLocaleString('en')} calls a round, p50 of 10 alternating rounds`,
        bareNsPerCall: nsPerCall(rounds.bare),
        withSpanNsPerCall: nsPerCall(rounds.withSpan),
        addedNsPerCall: Math.round((nsPerCall(rounds.withSpan) - nsPerCall(rounds.bare)) * 100) / 100,
      },
      withSpanOn: { what: 'one span with tracing on, recorded in memory (for scale)', nsPerSpan: spanOnNs },
      sink: sink > 0,
    },
    null,
    2,
  ),
);
