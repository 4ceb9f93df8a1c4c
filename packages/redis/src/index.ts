import { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';

/** What the clients log through: pino's and Hive's loggers both fit. */
export interface RedisLogger {
  info(attrs: object, msg: string): void;
  warn(attrs: object, msg: string): void;
}

export interface RedisOptions {
  /** What this client is for, in logs and the `redis_up` metric (`cache`, `rate-limits`, `events`). */
  name: string;
  logger: RedisLogger;
  /** Where `redis_up{client}` is registered; none, no metric. */
  registry?: Registry | undefined;
  /**
   * `commands` (default): every command fails within `commandTimeoutMs` and nothing queues while
   * disconnected, so a caller falls back at once. `subscriber`: SUBSCRIBE waits for the connection
   * (a subscription made during an outage starts when Redis returns) and is renewed on reconnect.
   */
  role?: 'commands' | 'subscriber';
  /** Longest a command may take before it fails. Default 100 ms. */
  commandTimeoutMs?: number;
}

export interface ResilientRedis {
  client: Redis;
  /** True while connected and ready. */
  readonly up: boolean;
  /** Runs on every (re)connection after the first: state missed while away is read again there. */
  onReconnect(listener: () => void): void;
  /**
   * Resolves once the first connection attempt is over, connected or not (never rejects): a service
   * that waits for it starts with Redis when Redis is there, and at once, degraded, when it is not.
   */
  firstAttempt(): Promise<void>;
  close(): Promise<void>;
}

const gauges = new WeakMap<Registry, Gauge<'client'>>();

/**
 * A Redis client for a service that must keep serving without Redis. It connects in the background
 * (a service starts, and serves degraded, while Redis is down; it says so once in the log and in
 * `redis_up`), reconnects for ever with a capped backoff, and in the `commands` role no command
 * waits: no offline queue and a short command timeout (a stopped or hung Redis, which keeps the
 * socket open, would otherwise hold every request until TCP gives up).
 */
export function openRedis(url: string, opts: RedisOptions): ResilientRedis {
  const commands = (opts.role ?? 'commands') === 'commands';
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(200 * attempt, 5000),
    ...(commands
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: opts.commandTimeoutMs ?? 100 }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true }),
  });
  const where = redactedUrl(url);
  let gauge: Gauge<'client'> | undefined;
  if (opts.registry) {
    gauge = gauges.get(opts.registry);
    if (!gauge) {
      gauge = new Gauge({
        name: 'redis_up',
        help: 'Whether a Redis client of this service is connected (1) or serving degraded without it (0)',
        labelNames: ['client'],
        registers: [opts.registry],
      });
      gauges.set(opts.registry, gauge);
    }
    gauge.set({ client: opts.name }, 0);
  }
  let up = false;
  let everUp = false;
  let warnedDown = false;
  const reconnectListeners: (() => void)[] = [];
  client.on('ready', () => {
    up = true;
    warnedDown = false;
    gauge?.set({ client: opts.name }, 1);
    opts.logger.info({ redis: where, client: opts.name }, everUp ? 'Redis reconnected' : 'Redis connected');
    if (everUp) for (const listener of reconnectListeners) listener();
    everUp = true;
  });
  const down = (err?: Error) => {
    up = false;
    gauge?.set({ client: opts.name }, 0);
    if (warnedDown) return;
    warnedDown = true;
    opts.logger.warn(
      { redis: where, client: opts.name, err: err?.message },
      everUp
        ? 'Redis connection lost (REDIS_URL); serving degraded until it returns'
        : 'Redis not reachable at start (REDIS_URL); serving degraded, connecting in the background',
    );
  };
  client.on('error', (err: Error) => down(err));
  client.on('close', () => down());
  const attempted = client.connect().then(
    () => undefined,
    () => undefined,
  );
  return {
    firstAttempt: () => attempted,
    client,
    get up() {
      return up;
    },
    onReconnect(listener) {
      reconnectListeners.push(listener);
    },
    close() {
      // disconnect, not quit: quit waits for a reply a Redis that is away never sends.
      client.disconnect();
      return Promise.resolve();
    },
  };
}

/** The URL without its password, for logs. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://(unparsable)';
  }
}
