import { openRedis, type RedisLogger } from '@cityassist/redis';
import { Counter, type Registry } from 'prom-client';
import { traced, tracing } from '../tracing.ts';

/**
 * Cached model answers (probabilities, explanations) by prediction id — a hash of the model version and the exact input row, so
 * a new model version or new features can never be answered from the cache. In Redis when
 * REDIS_URL is set (shared by replicas), in process otherwise. A Redis failure is a miss, counted
 * and logged: serving goes on uncached.
 */
export interface PredictionCache<T = number> {
  getMany(ids: readonly string[]): Promise<Map<string, T>>;
  setMany(entries: readonly [string, T][]): Promise<void>;
  close(): Promise<void>;
}

export interface CacheMetrics {
  hits: Counter<'cache'>;
  misses: Counter<'cache'>;
  errors: Counter<'cache'>;
}

/** The brief's `cache_hits`, with misses and store errors beside it. */
export function createCacheMetrics(registry: Registry): CacheMetrics {
  const labelNames = ['cache'] as const;
  return {
    hits: new Counter({
      name: 'cache_hits_total',
      help: 'Cache lookups answered',
      labelNames,
      registers: [registry],
    }),
    misses: new Counter({
      name: 'cache_misses_total',
      help: 'Cache lookups not answered',
      labelNames,
      registers: [registry],
    }),
    errors: new Counter({
      name: 'cache_errors_total',
      help: 'Cache store failures (served uncached)',
      labelNames,
      registers: [registry],
    }),
  };
}

export async function createPredictionCache<T = number>(opts: {
  /** What is cached: the `cache` label of the metrics and part of the Redis key. Default `prediction`. */
  name?: string;
  redisUrl?: string | undefined;
  ttlSeconds: number;
  metrics: CacheMetrics;
  logger: RedisLogger;
  /** Where `redis_up` is registered. */
  registry?: Registry | undefined;
}): Promise<PredictionCache<T>> {
  const { metrics, ttlSeconds } = opts;
  const name = opts.name ?? 'prediction';
  const LABEL = { cache: name };
  const count = (asked: number, found: number) => {
    metrics.hits.inc(LABEL, found);
    metrics.misses.inc(LABEL, asked - found);
  };
  if (ttlSeconds <= 0) {
    return {
      getMany: () => Promise.resolve(new Map()),
      setMany: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }
  if (!opts.redisUrl) {
    const entries = new Map<string, { value: T; until: number }>();
    const MAX = 100_000;
    return withLookupSpans(name, 'memory', {
      getMany(ids) {
        const now = Date.now();
        const found = new Map<string, T>();
        for (const id of ids) {
          const e = entries.get(id);
          if (e && e.until > now) found.set(id, e.value);
        }
        count(ids.length, found.size);
        return Promise.resolve(found);
      },
      setMany(list) {
        const until = Date.now() + ttlSeconds * 1000;
        for (const [id, value] of list) entries.set(id, { value, until });
        // Oldest first out: a Map iterates in insertion order.
        for (const key of entries.keys()) {
          if (entries.size <= MAX) break;
          entries.delete(key);
        }
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    });
  }
  // Connects in the background: a Redis that is away at start, or goes away, means uncached (a
  // lookup fails within its 100 ms command timeout, or at once when disconnected), not a failed
  // start or a stalled request.
  const connection = openRedis(opts.redisUrl, {
    name: `${name}-cache`,
    logger: opts.logger,
    registry: opts.registry,
  });
  const redis = connection.client;
  await connection.firstAttempt();
  let lastWarning = 0;
  const failed = (err: unknown) => {
    metrics.errors.inc(LABEL);
    if (Date.now() - lastWarning > 60_000) {
      lastWarning = Date.now();
      opts.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        `${name} cache unavailable, serving uncached`,
      );
    }
  };
  const key = (id: string) => `cityassist:${name}:${id}`;
  return withLookupSpans(name, 'redis', {
    async getMany(ids) {
      const found = new Map<string, T>();
      if (ids.length === 0) return found;
      if (!connection.up) {
        failed(new Error('Redis is away'));
        count(ids.length, 0);
        return found;
      }
      try {
        const values = await redis.mget(ids.map(key));
        values.forEach((v, i) => {
          if (v !== null) found.set(ids[i]!, JSON.parse(v) as T);
        });
      } catch (err) {
        failed(err);
      }
      count(ids.length, found.size);
      return found;
    },
    async setMany(list) {
      if (list.length === 0) return;
      if (!connection.up) {
        failed(new Error('Redis is away'));
        return;
      }
      try {
        const pipeline = redis.pipeline();
        for (const [id, value] of list) pipeline.set(key(id), JSON.stringify(value), 'EX', ttlSeconds);
        const results = await pipeline.exec();
        const error = results?.find(([e]) => e)?.[0];
        if (error) failed(error);
      } catch (err) {
        failed(err);
      }
    },
    close: () => connection.close(),
  });
}

/**
 * Each lookup as a `cache.lookup` span that says how many of its keys were found (with Redis, the
 * ioredis span of its MGET under it), so a trace shows what the cache spared a request. Nothing
 * changes when tracing is off.
 */
function withLookupSpans<T>(
  name: string,
  backend: 'memory' | 'redis',
  cache: PredictionCache<T>,
): PredictionCache<T> {
  const getMany = cache.getMany.bind(cache);
  return Object.assign(cache, {
    getMany(ids: readonly string[]): Promise<Map<string, T>> {
      if (ids.length === 0 || !tracing()) return getMany(ids);
      return traced(
        'cache.lookup',
        { 'cache.name': name, 'cache.backend': backend, 'cache.keys': ids.length },
        async (span) => {
          const found = await getMany(ids);
          span.setAttributes({
            'cache.hits': found.size,
            'cache.misses': ids.length - found.size,
            'cache.hit': found.size === ids.length,
          });
          return found;
        },
      );
    },
  });
}
