import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub } from '@graphql-yoga/subscription';
import { Redis } from 'ioredis';

export {
  FLOOD_LEVELS,
  parseFloodLevelsEvent,
  type FloodLevelName,
  type FloodLevelsEvent,
} from './flood-levels.ts';

/** Topic → payload of every event CityAssist publishes. */
export type Topics = Record<string, [unknown]>;

export interface EventBus {
  pubSub: PubSub<Topics>;
  /** `redis` when events cross replicas, `memory` when they stay in this process. */
  kind: 'redis' | 'memory';
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The bus GraphQL subscriptions read from. With REDIS_URL, events travel over Redis pub/sub, so a
 * subscriber connected to one replica receives events raised on another; without it they stay in
 * this process (one replica only). Payloads cross Redis as JSON: dates arrive as ISO strings.
 */
export async function createEventBus(redisUrl: string | undefined): Promise<EventBus> {
  if (!redisUrl) {
    return {
      pubSub: createPubSub<Topics>(),
      kind: 'memory',
      ping: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }
  const options = { lazyConnect: true, maxRetriesPerRequest: 2 };
  const publishClient = new Redis(redisUrl, options);
  const subscribeClient = new Redis(redisUrl, options);
  // A lost connection is retried by ioredis; it must not crash the process meanwhile.
  for (const c of [publishClient, subscribeClient]) c.on('error', () => undefined);
  await Promise.all([publishClient.connect(), subscribeClient.connect()]);
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    pubSub: createPubSub<Topics>({ eventTarget }),
    kind: 'redis',
    async ping() {
      await publishClient.ping();
    },
    async close() {
      await Promise.all([publishClient.quit(), subscribeClient.quit()]).catch(() => undefined);
    },
  };
}
