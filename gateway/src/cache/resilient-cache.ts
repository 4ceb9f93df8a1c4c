import InMemoryLRUCache from '@graphql-mesh/cache-inmemory-lru';
import type { KeyValueCache, KeyValueCacheSetOptions } from '@graphql-mesh/types';
import type { ResilientRedis } from '@cityassist/redis';
import { Counter, type Registry } from 'prom-client';

/**
 * The gateway's cache (responses, and whatever the runtime keeps there) in Redis, shared by the
 * replicas, going around Redis when it is away: a failed or slow command (100 ms) is answered from
 * an in-process LRU instead, so an outage costs cache hits, never a stalled request. Mesh's own
 * Redis cache queues commands while disconnected, which held anonymous requests until Redis came
 * back (p50 14.6 s in the fault run). Entries written while Redis was away live in this replica only.
 */
export class ResilientCache implements KeyValueCache {
  private readonly memory = new InMemoryLRUCache({ max: 10_000 });
  private readonly fallbacks: Counter<'operation'>;

  constructor(
    private readonly redis: ResilientRedis | undefined,
    registry: Registry,
    private readonly prefix = 'cityassist:cache:',
  ) {
    this.fallbacks = new Counter({
      name: 'cache_fallbacks_total',
      help: 'Cache operations answered in process because Redis was away or slow',
      labelNames: ['operation'],
      registers: [registry],
    });
  }

  async get(key: string): Promise<unknown> {
    if (this.redis?.up) {
      try {
        const value = await this.redis.client.get(this.prefix + key);
        return value === null ? undefined : (JSON.parse(value) as unknown);
      } catch {
        this.fallbacks.inc({ operation: 'get' });
      }
    }
    return this.memory.get(key);
  }

  async set(key: string, value: unknown, options?: KeyValueCacheSetOptions): Promise<void> {
    if (this.redis?.up) {
      try {
        const text = JSON.stringify(value);
        const ttl = options?.ttl;
        await (ttl && ttl > 0
          ? this.redis.client.set(this.prefix + key, text, 'PX', Math.round(ttl * 1000))
          : this.redis.client.set(this.prefix + key, text));
        return;
      } catch {
        this.fallbacks.inc({ operation: 'set' });
      }
    }
    this.memory.set(key, value, options);
  }

  async delete(key: string): Promise<boolean> {
    const inMemory = this.memory.delete(key);
    if (!this.redis?.up) return inMemory;
    try {
      return (await this.redis.client.del(this.prefix + key)) > 0 || inMemory;
    } catch {
      this.fallbacks.inc({ operation: 'delete' });
      return inMemory;
    }
  }

  async getKeysByPrefix(prefix: string): Promise<string[]> {
    const local = this.memory.getKeysByPrefix(prefix) as string[];
    if (!this.redis?.up) return local;
    try {
      const keys = new Set(local);
      let cursor = '0';
      do {
        const [next, batch] = await this.redis.client.scan(
          cursor,
          'MATCH',
          `${this.prefix}${prefix}*`,
          'COUNT',
          500,
        );
        for (const k of batch) keys.add(k.slice(this.prefix.length));
        cursor = next;
      } while (cursor !== '0');
      return [...keys];
    } catch {
      this.fallbacks.inc({ operation: 'keys' });
      return local;
    }
  }
}
