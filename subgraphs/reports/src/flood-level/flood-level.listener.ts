import { FLOOD_LEVELS, parseFloodLevelsEvent, type EventBus } from '@cityassist/events';
import type { Logger } from '@cityassist/service-kit';
import type { FloodLevelRepository } from './flood-level.repository.ts';

/**
 * Follows FLOOD_LEVELS on the event bus for as long as the service runs; returns the function that
 * stops it. A malformed event is logged and dropped; a failed write is logged and the next event
 * (the next re-score) brings the levels again.
 */
export function followFloodLevels(
  events: EventBus,
  levels: FloodLevelRepository,
  logger: Logger,
  onApplied?: () => void,
): () => Promise<void> {
  const subscription = events.pubSub.subscribe(FLOOD_LEVELS);
  const done = (async () => {
    for await (const payload of subscription) {
      const event = parseFloodLevelsEvent(payload);
      if (!event) {
        logger.warn('malformed flood.levels event dropped');
        continue;
      }
      try {
        await levels.apply(event);
        logger.debug({ zones: event.levels.length, complete: event.complete }, 'flood levels applied');
        onApplied?.();
      } catch (err) {
        logger.error({ err }, 'could not store flood levels');
      }
    }
  })();
  return async () => {
    await subscription.return?.();
    await done;
  };
}
