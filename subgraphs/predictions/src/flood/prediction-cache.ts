import { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '@cityassist/service-kit';

/**
 * Cached probabilities by prediction id — a hash of the model version and the exact input row, so
 * a new model version or new features can never be answered from the cache. In Redis when
 * REDIS_URL is set (shared by replicas), in process otherwise. A Redis failure is a miss, counted
 * and logged: serving goes on uncached.
 */
export interface PredictionCache {
  getMany(ids: readonly string[]): Promise<Map<string, number>>;
  setMany(entries: readonly [string, number][]): Promise<void>;
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

const LABEL = { cache: 'prediction' };

export async function createPredictionCache(opts: {
  redisUrl?: string | undefined;
  ttlSeconds: number;
  metrics: CacheMetrics;
  logger: Logger;
}): Promise<PredictionCache> {
  const { metrics, ttlSeconds } = opts;
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
    const entries = new Map<string, { value: number; until: number }>();
    const MAX = 100_000;
    return {
      getMany(ids) {
        const now = Date.now();
        const found = new Map<string, number>();
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
    };
  }
  const redis = new Redis(opts.redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  redis.on('error', () => undefined);
  // Connected before the first lookup; a Redis that is away at start means uncached until ioredis
  // reconnects, not a failed start.
  await redis
    .connect()
    .catch((err: unknown) => opts.logger.warn({ err: String(err) }, 'prediction cache: Redis not reachable'));
  let lastWarning = 0;
  const failed = (err: unknown) => {
    metrics.errors.inc(LABEL);
    if (Date.now() - lastWarning > 60_000) {
      lastWarning = Date.now();
      opts.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'prediction cache unavailable, serving uncached',
      );
    }
  };
  const key = (id: string) => `cityassist:prediction:${id}`;
  return {
    async getMany(ids) {
      const found = new Map<string, number>();
      if (ids.length === 0) return found;
      try {
        const values = await redis.mget(ids.map(key));
        values.forEach((v, i) => {
          if (v !== null) found.set(ids[i]!, Number(v));
        });
      } catch (err) {
        failed(err);
      }
      count(ids.length, found.size);
      return found;
    },
    async setMany(list) {
      if (list.length === 0) return;
      try {
        const pipeline = redis.pipeline();
        for (const [id, value] of list) pipeline.set(key(id), String(value), 'EX', ttlSeconds);
        const results = await pipeline.exec();
        const error = results?.find(([e]) => e)?.[0];
        if (error) failed(error);
      } catch (err) {
        failed(err);
      }
    },
    close() {
      // disconnect, not quit: quit waits for a reply a Redis that is away never sends.
      redis.disconnect();
      return Promise.resolve();
    },
  };
}
