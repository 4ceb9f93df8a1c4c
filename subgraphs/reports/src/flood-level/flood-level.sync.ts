import { parseFloodLevelsEvent, type EventBus } from '@cityassist/events';
import type { Logger } from '@cityassist/service-kit';
import { queryPredictions } from '../predictions/predictions-client.ts';
import type { FloodLevelRepository } from './flood-level.repository.ts';

export interface FloodLevelSyncOptions {
  /** The predictions subgraph's GraphQL URL (PREDICTIONS_URL). */
  predictionsUrl: string;
  /** The gateway's secret: subgraphs answer only requests that carry it. */
  gatewaySecret: string | undefined;
  /** Seconds between two reads; 0 = only at start and after the event bus reconnects. */
  everySeconds: number;
}

const QUERY = '{ floodLevels { zoneId level asOf } }';

/**
 * Reads every zone's current flood level from the predictions subgraph (`floodLevels`) and stores
 * it, as a complete FLOOD_LEVELS event would. Events carry the changes while both services share a
 * Redis, but an event published before this service started, or while Redis was away, is gone, and
 * without Redis none crosses the process at all: so the levels are read at start (retried until it
 * works), after every reconnect of the event bus, and every `everySeconds`. Returns the function
 * that stops it.
 */
export function syncFloodLevels(
  levels: FloodLevelRepository,
  events: EventBus,
  logger: Logger,
  opts: FloodLevelSyncOptions,
  onApplied?: () => void,
): () => void {
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let reading = false;
  const read = async (): Promise<void> => {
    // One read at a time; a trigger while one is running or waiting to retry adds nothing.
    if (stopped || reading) return;
    reading = true;
    clearTimeout(retry);
    try {
      const res = await queryPredictions(opts.predictionsUrl, opts.gatewaySecret, QUERY);
      const body = res.body as { data?: { floodLevels?: unknown[] } };
      const event = parseFloodLevelsEvent({ levels: body.data?.floodLevels, complete: true });
      if (!event) throw new Error(`predictions answered ${res.status} without flood levels`);
      await levels.apply(event);
      if (failures) logger.info({ zones: event.levels.length }, 'flood levels read from predictions again');
      failures = 0;
      logger.debug({ zones: event.levels.length }, 'flood levels read from predictions');
      onApplied?.();
    } catch (err) {
      failures += 1;
      // Quietly at first (predictions may just be starting), then once a minute or so.
      if (failures === 3 || failures % 30 === 0) {
        logger.warn(
          { err: err instanceof Error ? err.message : String(err), failures },
          'flood levels not read from predictions; retrying',
        );
      }
      retry = setTimeout(() => void read(), Math.min(1000 * failures, 10_000));
      retry.unref();
    } finally {
      reading = false;
    }
  };
  void read();
  events.onReconnect(() => void read());
  const timer = opts.everySeconds > 0 ? setInterval(() => void read(), opts.everySeconds * 1000) : undefined;
  timer?.unref();
  return () => {
    stopped = true;
    clearTimeout(retry);
    clearInterval(timer);
  };
}
