import type { Database } from '@cityassist/db';
import { Gauge, type Registry } from 'prom-client';
import { LIVE_WINDOW_MS, outcomesOf, qualityOf, type Quality } from './live-quality.ts';

/** Scrapes closer together than this share one computation. */
const FRESH_MS = 10_000;

/**
 * model_live_roc_auc, model_live_brier and model_live_samples per answering version, computed at
 * scrape time from the prediction log and the observed outcomes (docs/retraining.md, "Quality on
 * observed outcomes"). A version without both classes yet has samples but no ROC-AUC.
 */
export function registerLiveQualityMetrics(
  registry: Registry,
  db: Database,
  model: string,
  versions: () => string[],
): void {
  let cached: { at: number; quality: Promise<Map<string, Quality>> } | undefined;
  const current = () => {
    if (!cached || Date.now() - cached.at > FRESH_MS) {
      const since = new Date(Date.now() - LIVE_WINDOW_MS);
      cached = {
        at: Date.now(),
        quality: Promise.all(
          versions().map(async (v) => [v, qualityOf(await outcomesOf(db, model, v, since))] as const),
        ).then((entries) => new Map(entries)),
      };
    }
    return cached.quality;
  };
  const gauge = (name: string, help: string, value: (q: Quality) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['model', 'version'],
      registers: [registry],
      async collect() {
        this.reset();
        // A database away must not fail the whole scrape: the series are left out until it is back.
        const quality = await current().catch(() => new Map<string, Quality>());
        for (const [version, q] of quality) {
          const v = value(q);
          if (v !== null) this.set({ model, version }, v);
        }
      },
    });
  gauge(
    'model_live_roc_auc',
    'ROC-AUC of a version on observed outcomes, over the live window',
    (q) => q.rocAuc,
  );
  gauge(
    'model_live_brier',
    'Brier score of a version on observed outcomes, over the live window',
    (q) => q.brier,
  );
  gauge(
    'model_live_samples',
    'Zone-hours with a prediction made before its observed outcome',
    (q) => q.samples,
  );
}
