import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Caller } from '../auth/authenticator.ts';

export interface RateLimitOptions {
  /** Requests per window for an authenticated caller (API key or verified JWT subject). */
  keyPoints: number;
  /** Requests per window for an anonymous caller, by IP address. */
  ipPoints: number;
  /** Window length in seconds. */
  windowSeconds: number;
  /** Shared counters across replicas when set; in-process otherwise (one replica only). */
  redis?: Redis | undefined;
  /** Prefix of the Redis keys. */
  keyPrefix: string;
  registry: Registry;
}

/**
 * Fixed-window rate limits, shared by every way in (HTTP, SSE, each graphql-ws operation, the REST
 * routes). The bucket is who the caller verifiably is: the API key's id or the JWT's hashed subject
 * (so many tokens of one user share one bucket), else the IP address. A refused credential counts
 * against its IP address, so guessing keys is throttled like any anonymous traffic. Counters live
 * in Redis when configured, with an in-memory insurance limiter that takes over while Redis is away.
 */
export class RateLimits {
  private readonly byPrincipal: RateLimiterAbstract;
  private readonly byIp: RateLimiterAbstract;
  private readonly limited: Counter<'by' | 'transport'>;

  constructor(opts: RateLimitOptions) {
    const make = (points: number, prefix: string): RateLimiterAbstract => {
      const memory = new RateLimiterMemory({ points, duration: opts.windowSeconds, keyPrefix: prefix });
      return opts.redis
        ? new RateLimiterRedis({
            storeClient: opts.redis,
            useRedisPackage: false,
            points,
            duration: opts.windowSeconds,
            keyPrefix: `${opts.keyPrefix}rl:${prefix}`,
            insuranceLimiter: memory,
          })
        : memory;
    };
    this.byPrincipal = make(opts.keyPoints, 'principal');
    this.byIp = make(opts.ipPoints, 'ip');
    this.limited = new Counter({
      name: 'rate_limited_total',
      help: 'Requests and operations refused with RATE_LIMITED, by kind of caller and transport',
      labelNames: ['by', 'transport'],
      registers: [opts.registry],
    });
  }

  /** Counts one request or operation; resolves the seconds to wait when over the limit, else undefined. */
  async consume(caller: Caller, address: string, transport: 'http' | 'ws'): Promise<number | undefined> {
    const [limiter, key, by] =
      caller.kind === 'principal'
        ? [this.byPrincipal, `p:${caller.principal.id}`, caller.principal.kind]
        : [this.byIp, `ip:${address}`, 'ip'];
    try {
      await limiter.consume(key);
      return undefined;
    } catch (rejection) {
      // A store failure with no insurance left: serving beats refusing everyone.
      if (!(rejection instanceof RateLimiterRes)) return undefined;
      this.limited.inc({ by, transport });
      return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    }
  }
}
