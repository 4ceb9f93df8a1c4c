import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub } from '@graphql-yoga/subscription';
import { openRedis, type RedisLogger } from '@cityassist/redis';
import { Counter, type Registry } from 'prom-client';
import { withTraceContext } from './trace-context.ts';

export {
  FLOOD_LEVELS,
  parseFloodLevelsEvent,
  type FloodLevelName,
  type FloodLevelsEvent,
} from './flood-levels.ts';
export { DRIFT_DETECTED, MODEL_CHANGED, modelChangedName } from './model-changed.ts';
export { ENVELOPE, envelopeOf, type EventEnvelope } from './trace-context.ts';

/** Topic → payload of every event CityAssist publishes. */
export type Topics = Record<string, [unknown]>;

export interface EventBus {
  pubSub: PubSub<Topics>;
  /** `redis` when events cross replicas, `memory` when they stay in this process. */
  kind: 'redis' | 'memory';
  /** False while Redis is away: events published meanwhile reach this replica's subscribers only. */
  readonly up: boolean;
  /**
   * Runs each time the bus reconnects after an outage (not at the first connection): what was
   * published while it was away is lost, so a service re-reads the state it follows there.
   */
  onReconnect(listener: () => void): void;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface EventBusOptions {
  logger: RedisLogger;
  /** Where `events_dropped_total` and `redis_up` are registered. */
  registry?: Registry | undefined;
}

const dropCounters = new WeakMap<Registry, Counter<'topic'>>();

/**
 * The bus GraphQL subscriptions read from. With REDIS_URL, events travel over Redis pub/sub, so a
 * subscriber connected to one replica receives events raised on another; without it they stay in
 * this process (one replica only). Payloads cross Redis as JSON: dates arrive as ISO strings.
 *
 * Redis is optional at run time: the bus is returned at once and connects in the background; while
 * Redis is away a publish fails fast and is counted in `events_dropped_total{topic}` (live
 * notifications are best effort; state a service depends on is re-read through `onReconnect`).
 *
 * With tracing on, an event carries its publisher's trace context, and each delivery is a span
 * in that trace (trace-context.ts); subscribers see the same payloads either way.
 */
export async function createEventBus(
  redisUrl: string | undefined,
  opts: EventBusOptions = { logger: { info: () => undefined, warn: () => undefined } },
): Promise<EventBus> {
  if (!redisUrl) {
    return Promise.resolve({
      pubSub: createPubSub<Topics>({ eventTarget: withTraceContext(new EventTarget(), 'in_process') }),
      kind: 'memory',
      up: true,
      onReconnect: () => undefined,
      ping: () => Promise.resolve(),
      close: () => Promise.resolve(),
    });
  }
  const publisher = openRedis(redisUrl, {
    name: 'events-publish',
    logger: opts.logger,
    registry: opts.registry,
  });
  const subscriber = openRedis(redisUrl, {
    name: 'events-subscribe',
    logger: opts.logger,
    registry: opts.registry,
    role: 'subscriber',
  });
  let dropped: Counter<'topic'> | undefined;
  if (opts.registry) {
    dropped = dropCounters.get(opts.registry);
    if (!dropped) {
      dropped = new Counter({
        name: 'events_dropped_total',
        help: 'Live notifications lost because Redis was away when they were published',
        labelNames: ['topic'],
        registers: [opts.registry],
      });
      dropCounters.set(opts.registry, dropped);
    }
  }
  // redis-event-target fires PUBLISH and forgets the promise: a failure would surface as an
  // unhandled rejection. Catch it here, count it, and let the caller carry on.
  // Bound before it is replaced below.
  const publish: (channel: string, message: string) => Promise<number> = publisher.client.publish.bind(
    publisher.client,
  );
  (publisher.client as unknown as { publish: typeof publish }).publish = (channel, message) =>
    publish(channel, message).catch(() => {
      dropped?.inc({ topic: channel });
      return 0;
    });
  await Promise.all([publisher.firstAttempt(), subscriber.firstAttempt()]);
  const eventTarget = createRedisEventTarget({
    publishClient: publisher.client,
    subscribeClient: subscriber.client,
  });
  return {
    pubSub: createPubSub<Topics>({ eventTarget: withTraceContext(eventTarget, 'redis') }),
    kind: 'redis',
    get up() {
      return publisher.up && subscriber.up;
    },
    onReconnect(listener) {
      subscriber.onReconnect(listener);
    },
    async ping() {
      await publisher.client.ping();
    },
    async close() {
      await Promise.all([publisher.close(), subscriber.close()]);
    },
  };
}
