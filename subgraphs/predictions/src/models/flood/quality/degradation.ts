import type { Database } from '@cityassist/db';
import type { Logger } from '@cityassist/service-kit';
import { LIVE_WINDOW_MS, outcomesOf, qualityOf } from './live-quality.ts';

/** Fewer flooded (or dry) zone-hours than this say too little to call a model degraded. */
export const MIN_CLASS_SAMPLES = 20;
/** How far below its hold-out ROC-AUC the whole live interval must lie. */
export const ROC_AUC_MARGIN = 0.05;
/** A full check's result is good for this long: re-scores in between do not query again. */
const RECHECK_MS = 60_000;

/**
 * The "degradation" retraining trigger: a champion whose ROC-AUC on observed outcomes is, with its
 * whole 95 % interval, more than ROC_AUC_MARGIN below the hold-out ROC-AUC of its card, with at
 * least MIN_CLASS_SAMPLES flooded and dry zone-hours. One trigger per version a day, as drift's.
 */
export class DegradationCheck {
  private checkedAt = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {}

  async check(model: { name: string; version: string; holdoutRocAuc: number | undefined }): Promise<boolean> {
    if (model.holdoutRocAuc === undefined) return false;
    const last = this.checkedAt.get(model.version);
    if (last !== undefined && Date.now() - last < RECHECK_MS) return false;
    const q = qualityOf(
      await outcomesOf(this.db, model.name, model.version, new Date(Date.now() - LIVE_WINDOW_MS)),
    );
    if (q.positives < MIN_CLASS_SAMPLES || q.samples - q.positives < MIN_CLASS_SAMPLES) return false;
    // Enough outcomes to judge: the next judgement waits, whatever this one says.
    this.checkedAt.set(model.version, Date.now());
    const bound = model.holdoutRocAuc - ROC_AUC_MARGIN;
    if (!q.rocAucInterval || q.rocAucInterval[1] >= bound) return false;
    const details = {
      metric: 'roc_auc',
      live: q.rocAuc,
      interval: q.rocAucInterval,
      holdout: model.holdoutRocAuc,
      margin: ROC_AUC_MARGIN,
      samples: q.samples,
      positives: q.positives,
    };
    this.logger.warn(
      { model: model.name, version: model.version, ...details },
      'model degraded on observed outcomes',
    );
    await this.db.query(
      `insert into predictions.retraining_trigger (model, version, reason, details)
       select $1, $2, 'degradation', $3::jsonb
        where not exists (
          select 1 from predictions.retraining_trigger
           where model = $1 and version = $2 and reason = 'degradation' and created_at > now() - interval '1 day')`,
      [model.name, model.version, JSON.stringify(details)],
    );
    return true;
  }
}

/** The hold-out ROC-AUC a card reports: its primary evaluation's, when it has one. */
export function holdoutRocAucOf(metadata: Record<string, unknown>): number | undefined {
  const metrics = metadata['metrics'] as Record<string, unknown> | undefined;
  const primary = metrics?.['primary'];
  const block =
    typeof primary === 'string' ? (metrics?.[primary] as { roc_auc?: unknown } | undefined) : undefined;
  return typeof block?.roc_auc === 'number' ? block.roc_auc : undefined;
}
