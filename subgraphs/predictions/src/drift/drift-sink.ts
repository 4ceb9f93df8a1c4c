import type { Database } from '@cityassist/db';
import { DRIFT_DETECTED, type EventBus } from '@cityassist/events';
import type { DriftSink } from '@cityassist/inference';
import type { Logger } from '@cityassist/service-kit';

export { DRIFT_DETECTED };

/**
 * Where every model's drift changes go: a DriftDetected event for subscribers, a log line, and at
 * DRIFT a retraining trigger, the brief's "data drift threshold" retraining rule.
 */
export function createDriftSink(db: Database, events: EventBus, logger: Logger): DriftSink {
  return async (event) => {
    events.pubSub.publish(DRIFT_DETECTED, event);
    const { level, ...rest } = event;
    // `level` is the log line's own key; the drift level is `driftLevel` in the log.
    logger.warn({ ...rest, driftLevel: level }, 'feature drift changed');
    if (event.level !== 'DRIFT') return;
    // One trigger per model version and feature a day: a restart (levels live in memory) or a
    // flapping feature must not flood the queue a retraining pipeline reads.
    await db.query(
      `insert into predictions.retraining_trigger (model, version, reason, details)
       select $1, $2, 'drift', $3::jsonb
        where not exists (
          select 1 from predictions.retraining_trigger
           where model = $1 and version = $2 and details->>'feature' = $4 and created_at > now() - interval '1 day')`,
      [event.model, event.version, JSON.stringify(event), event.feature],
    );
  };
}
