/** Small timing helpers for the benchmarks: percentiles over repeated runs, ratios within one run. */

export interface Timing {
  runs: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Runs `fn` `warmup` times untimed, then `runs` times timed, one after another. */
export async function measure(
  fn: () => Promise<unknown>,
  opts: { warmup: number; runs: number },
): Promise<Timing> {
  for (let i = 0; i < opts.warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    runs: opts.runs,
    p50Ms: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    meanMs: round(times.reduce((s, t) => s + t, 0) / times.length),
  };
}

export const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

/**
 * `npm start`'s embedded stack with nothing between a request and the models: PGlite, no Redis, no
 * response or prediction cache, limits out of the way, no scheduled re-score competing for CPU.
 */
export const UNCACHED_STACK_ENV = {
  LOG_LEVEL: 'warn',
  DATABASE_URL: undefined,
  REDIS_URL: undefined,
  RESPONSE_CACHE_TTL_MS: '0',
  PREDICTION_CACHE_TTL_SECONDS: '0',
  RATE_LIMIT_PER_IP: '100000000',
  MAX_QUERY_COST: '1000000',
  FLOOD_RESCORE_SECONDS: '0',
} as const;
