import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { INTERNAL_HEADER, internalToken } from '../rest/rest-support.ts';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

export interface RateLimitOptions {
  /** Requests per window for a caller with an API key or a bearer token. */
  keyPoints: number;
  /** Requests per window for an anonymous caller, by IP address. */
  ipPoints: number;
  /** Window length in seconds. */
  windowSeconds: number;
  /** Shared counters across replicas when set; in-process otherwise (one replica only). */
  redis?: Redis | undefined;
  /** Prefix of the Redis keys. */
  keyPrefix: string;
  /** Take the client address from X-Forwarded-For (behind a trusted proxy only). */
  trustProxy: boolean;
  registry: Registry;
}

const hash = (v: string) => createHash('sha256').update(v).digest('hex').slice(0, 24);

/**
 * Fixed-window rate limits per API key, per bearer token, or per IP address, answered with 429 and
 * Retry-After before any parsing. Counters live in Redis when configured (rate-limiter-flexible,
 * with an in-memory insurance limiter so a Redis outage degrades to per-replica limits instead of
 * failing requests).
 */
export function useRateLimit(opts: RateLimitOptions): GatewayPlugin {
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
  const byKey = make(opts.keyPoints, 'key');
  const byIp = make(opts.ipPoints, 'ip');
  const limited = new Counter({
    name: 'rate_limited_total',
    help: 'Requests refused with 429, by kind of caller',
    labelNames: ['by'],
    registers: [opts.registry],
  });

  return {
    onRequest(payload) {
      const { request, fetchAPI, serverContext, url } = payload;
      if (url.pathname === '/health' || url.pathname === '/ready' || url.pathname === '/metrics') return;
      // A REST route's own GraphQL request was counted when the REST request came in.
      if (request.headers.get(INTERNAL_HEADER) === internalToken) return;
      const apiKey = request.headers.get('x-api-key');
      const bearer = request.headers.get('authorization');
      let limiter = byKey;
      let key: string;
      let by: string;
      if (apiKey) [key, by] = [`k:${hash(apiKey)}`, 'api-key'];
      else if (bearer) [key, by] = [`t:${hash(bearer)}`, 'token'];
      else {
        const req = (serverContext as { req?: IncomingMessage }).req;
        const forwarded = opts.trustProxy
          ? request.headers.get('x-forwarded-for')?.split(',')[0]?.trim()
          : undefined;
        [key, by, limiter] = [`ip:${forwarded ?? req?.socket.remoteAddress ?? 'unknown'}`, 'ip', byIp];
      }
      return limiter.consume(key).then(
        () => undefined,
        (rejection: unknown) => {
          if (!(rejection instanceof RateLimiterRes)) return; // store failure with no insurance: let it through
          limited.inc({ by });
          const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
          payload.endResponse(
            new fetchAPI.Response(
              JSON.stringify({
                errors: [
                  {
                    message: `Too many requests; retry in ${retryAfter} s`,
                    extensions: { code: 'RATE_LIMITED' },
                  },
                ],
              }),
              {
                status: 429,
                headers: { 'content-type': 'application/json', 'retry-after': String(retryAfter) },
              },
            ),
          );
        },
      );
    },
  };
}
