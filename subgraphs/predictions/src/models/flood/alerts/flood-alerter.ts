import type { Database } from '@cityassist/db';
import { FLOOD_LEVELS, type EventBus, type FloodLevelsEvent } from '@cityassist/events';
import type { Logger } from '@cityassist/service-kit';
import type { FeatureStore } from '../features/feature-store.ts';
import type { ModelRouter } from '@cityassist/inference';
import type { ZoneFeatures } from '../features/feature-store.ts';
import { scoreZones } from '../flood-risk.loader.ts';
import { DegradationCheck, holdoutRocAucOf } from '../quality/degradation.ts';
import { logPredictions } from '../quality/live-quality.ts';
import { FloodLevel, type FloodAnswer, type FloodRisk } from '../flood-risk.type.ts';
import type { FloodAlert } from './flood-alert.type.ts';
import type { ZoneFloodLevel } from './flood-level.type.ts';

export const FLOOD_ALERT = 'FLOOD_ALERT';
export const LEVEL_RANK: Record<FloodLevel, number> = {
  [FloodLevel.LOW]: 0,
  [FloodLevel.MODERATE]: 1,
  [FloodLevel.HIGH]: 2,
  [FloodLevel.SEVERE]: 3,
};

/**
 * Re-scores zones from the feature store and raises a FloodAlert for every zone whose level changed
 * since it was last scored. The first score of a zone sets its baseline silently: an alert says
 * "this changed", and a fresh deployment has seen no change yet.
 */
export class FloodAlerter {
  private readonly degradation: DegradationCheck;

  constructor(
    private readonly db: Database,
    private readonly store: FeatureStore,
    private readonly router: ModelRouter<ZoneFeatures, FloodAnswer>,
    private readonly events: EventBus,
    private readonly logger: Logger,
  ) {
    this.degradation = new DegradationCheck(db, logger);
  }

  /** All zones the feature store knows, or the given ones; one model call. */
  async rescore(
    zoneIds?: readonly string[],
  ): Promise<{ answers: Map<string, FloodRisk>; scored: Map<string, FloodRisk>; alerts: FloodAlert[] }> {
    const ids = zoneIds ?? (await this.store.zoneIds());
    const features = [...(await this.store.latest(ids)).values()];
    const risks = await scoreZones(this.router, features);
    const answers = new Map(features.map((f, i) => [f.zoneId, risks[i]!]));
    // A fallback is not news about the zone: it neither moves the stored level nor raises an alert.
    const scored = new Map([...answers].filter(([, r]) => !r.degraded));
    const previous = new Map(
      (
        await this.db.query<{ zone_id: string; level: FloodLevel }>(
          'select zone_id, level from predictions.zone_risk_state where zone_id = any($1::text[])',
          [[...scored.keys()]],
        )
      ).map((r) => [r.zone_id, r.level]),
    );
    // Kept to be judged once the zone-hour's outcome is observed (modelHealth.liveQuality).
    await logPredictions(
      this.db,
      'flood',
      [...scored].map(([zoneId, r]) => ({ version: r.model.version, entityId: zoneId, asOf: r.asOf, score: r.probability })),
    );
    // Outcomes that came in since the last re-score may show the champion has degraded.
    const champion = this.router.champion;
    await this.degradation
      .check({
        name: 'flood',
        version: champion.version,
        holdoutRocAuc: holdoutRocAucOf(champion.metadata as unknown as Record<string, unknown>),
      })
      .catch((err: unknown) => this.logger.error({ err: String(err) }, 'the degradation check failed'));
    const rows = [...scored].map(([zoneId, r]) => ({
      zone_id: zoneId,
      level: r.level,
      score: r.score,
      model_version: r.model.version,
      as_of: r.asOf.toISOString(),
    }));
    await this.db.query(
      `insert into predictions.zone_risk_state (zone_id, level, score, model_version, as_of)
       select zone_id, level, score, model_version, as_of
         from jsonb_to_recordset($1::jsonb) as x(zone_id text, level text, score float8, model_version text, as_of timestamptz)
       on conflict (zone_id) do update set level = excluded.level, score = excluded.score,
         model_version = excluded.model_version, as_of = excluded.as_of, updated_at = now()`,
      [JSON.stringify(rows)],
    );
    const alerts: FloodAlert[] = [];
    for (const [zoneId, risk] of scored) {
      const before = previous.get(zoneId);
      if (before === undefined || before === risk.level) continue;
      alerts.push({
        zone: { id: zoneId },
        level: risk.level,
        previousLevel: before,
        rising: LEVEL_RANK[risk.level] > LEVEL_RANK[before],
        score: risk.score,
        asOf: risk.asOf,
        model: risk.model,
      });
    }
    for (const alert of alerts) this.events.pubSub.publish(FLOOD_ALERT, alert);
    // Every zone's current level, for services that weigh their own data by flood risk (reports).
    const levels: FloodLevelsEvent = {
      levels: [...scored].map(([zoneId, r]) => ({ zoneId, level: r.level, asOf: r.asOf.toISOString() })),
      complete: zoneIds === undefined && scored.size === answers.size,
    };
    if (levels.levels.length) this.events.pubSub.publish(FLOOD_LEVELS, levels);
    if (alerts.length) this.logger.info({ alerts: alerts.length, zones: scored.size }, 'flood alerts raised');
    return { answers, scored, alerts };
  }

  /** Every zone's stored level, from the last re-score that was not a fallback. */
  async levels(): Promise<ZoneFloodLevel[]> {
    const rows = await this.db.query<{
      zone_id: string;
      level: FloodLevel;
      score: number;
      as_of: Date | string;
      model_version: string;
    }>(
      'select zone_id, level, score, as_of, model_version from predictions.zone_risk_state order by zone_id',
    );
    return rows.map((r) => ({
      zoneId: r.zone_id,
      level: r.level,
      score: Number(r.score),
      asOf: new Date(r.as_of),
      modelVersion: r.model_version,
    }));
  }

  /** Re-scores every `seconds` until stopped; 0 never. A failed round is logged and retried next time. */
  schedule(seconds: number): () => void {
    if (seconds <= 0) return () => undefined;
    const timer = setInterval(() => {
      this.rescore().catch((err: unknown) => this.logger.error({ err }, 'scheduled re-score failed'));
    }, seconds * 1000);
    timer.unref();
    return () => clearInterval(timer);
  }
}
