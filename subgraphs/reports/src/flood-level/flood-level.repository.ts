import type { Database } from '@cityassist/db';
import type { FloodLevelName, FloodLevelsEvent } from '@cityassist/events';

/**
 * The latest flood level of each zone, as the predictions service announced it (FLOOD_LEVELS).
 * Kept here rather than asked for, so a report is triaged without calling another service and the
 * reports service never imports the predictions one.
 */
export class FloodLevelRepository {
  constructor(private readonly db: Database) {}

  /**
   * Stores an event's levels; a level older than the one held is ignored, so events arriving out
   * of order (two replicas re-scoring) keep the newest. A complete event also forgets zones it
   * does not list, when what is held for them is older than the event.
   */
  async apply(event: FloodLevelsEvent): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (event.levels.length) {
        await tx.query(
          `insert into reports.zone_flood_level (zone_id, level, as_of)
           select zone_id, level, as_of from jsonb_to_recordset($1::jsonb) as x(zone_id text, level text, as_of timestamptz)
           on conflict (zone_id) do update set level = excluded.level, as_of = excluded.as_of, received_at = now()
             where reports.zone_flood_level.as_of <= excluded.as_of`,
          [JSON.stringify(event.levels.map((l) => ({ zone_id: l.zoneId, level: l.level, as_of: l.asOf })))],
        );
      }
      if (event.complete) {
        const newest = event.levels.reduce((m, l) => Math.max(m, Date.parse(l.asOf)), 0);
        await tx.query(
          `delete from reports.zone_flood_level where not (zone_id = any($1::text[])) and as_of < $2`,
          [event.levels.map((l) => l.zoneId), new Date(newest || Date.now()).toISOString()],
        );
      }
    });
  }

  /** The zone's latest level, or null when none has been received (unknown: no escalation). */
  async levelOf(zoneId: string): Promise<FloodLevelName | null> {
    const rows = await this.db.query<{ level: FloodLevelName }>(
      'select level from reports.zone_flood_level where zone_id = $1',
      [zoneId],
    );
    return rows[0]?.level ?? null;
  }
}
