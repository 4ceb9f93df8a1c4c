import { Redis } from 'ioredis';
import type { Logger } from '@graphql-hive/logger';

/**
 * One Redis connection for the gateway's rate limits (and, later, cache and pub/sub). Commands fail
 * fast while Redis is away instead of queueing, so callers fall back rather than hang.
 */
export async function connectRedis(url: string, log: Logger): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis error'));
  await redis.connect();
  return redis;
}
