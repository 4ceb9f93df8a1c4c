import type { Database } from '@cityassist/db';
import { zoneFloodObservations } from '@cityassist/feature-store';

/** How far back live quality looks: as long as the online store keeps the observed outcomes. */
export const LIVE_WINDOW_MS = zoneFloodObservations.onlineWindowMs;
const CALIBRATION_BINS = 10;
/** Two-sided 95 % normal quantile. */
const Z95 = 1.959964;

export interface ScoredOutcome {
  score: number;
  flooded: boolean;
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export interface Quality {
  samples: number;
  positives: number;
  /** Null while one class is missing: a ranking needs both. */
  rocAuc: number | null;
  rocAucInterval: [number, number] | null;
  brier: number | null;
  brierInterval: [number, number] | null;
  meanPredicted: number | null;
  observedRate: number | null;
  calibration: CalibrationBin[];
}

/**
 * Records what a version predicted for each zone-hour; the first prediction of a zone-hour is
 * kept (it is the one made before the outcome), and rows older than the live window go.
 */
export async function logPredictions(
  db: Database,
  model: string,
  rows: readonly { version: string; entityId: string; asOf: Date; score: number }[],
): Promise<void> {
  if (!rows.length) return;
  await db.query(
    `insert into predictions.prediction_log (model, version, entity_id, as_of, score)
     select $1, version, entity_id, as_of, score
       from unnest($2::text[], $3::text[], $4::timestamptz[], $5::float8[]) as x(version, entity_id, as_of, score)
     on conflict do nothing`,
    [
      model,
      rows.map((r) => r.version),
      rows.map((r) => r.entityId),
      rows.map((r) => r.asOf.toISOString()),
      rows.map((r) => r.score),
    ],
  );
  await db.query('delete from predictions.prediction_log where model = $1 and as_of < $2', [
    model,
    new Date(Date.now() - LIVE_WINDOW_MS).toISOString(),
  ]);
}

/**
 * Each logged prediction of a version joined to the outcome observed for its zone and hour, when
 * the prediction was made before that outcome's dataset version was loaded: predictions made
 * once the answer was known say nothing of the model.
 */
export async function outcomesOf(
  db: Database,
  model: string,
  version: string,
  since: Date,
): Promise<ScoredOutcome[]> {
  const rows = await db.query<{ score: number; flooded: number | null }>(
    `select p.score, (o.features->>'flooded')::float8 as flooded
       from predictions.prediction_log p
       join feature_store.online_features o
         on o.feature_view = $3 and o.entity_id = p.entity_id and o.as_of = p.as_of
       join feature_store.dataset_versions d on d.dataset_version = o.dataset_version
      where p.model = $1 and p.version = $2 and p.as_of >= $4 and p.made_at <= d.created_at`,
    [model, version, zoneFloodObservations.name, since.toISOString()],
  );
  return rows
    .filter((r) => r.flooded !== null && Number.isFinite(Number(r.flooded)))
    .map((r) => ({ score: Number(r.score), flooded: Number(r.flooded) >= 0.5 }));
}

/**
 * ROC-AUC (Mann–Whitney, ties counted half) with the Hanley–McNeil 95 % interval, the Brier score
 * with a normal 95 % interval over its per-row errors, and a reliability table in ten equal bins.
 */
export function qualityOf(pairs: readonly ScoredOutcome[]): Quality {
  const n = pairs.length;
  const positives = pairs.filter((p) => p.flooded).length;
  const negatives = n - positives;
  const calibration: CalibrationBin[] = [];
  for (let b = 0; b < CALIBRATION_BINS; b++) {
    const lower = b / CALIBRATION_BINS;
    const upper = (b + 1) / CALIBRATION_BINS;
    const inBin = pairs.filter(
      (p) => p.score >= lower && (p.score < upper || (b === CALIBRATION_BINS - 1 && p.score <= upper)),
    );
    if (!inBin.length) continue;
    calibration.push({
      lower,
      upper,
      count: inBin.length,
      meanPredicted: mean(inBin.map((p) => p.score)),
      observedRate: inBin.filter((p) => p.flooded).length / inBin.length,
    });
  }
  if (!n) {
    return {
      samples: 0,
      positives: 0,
      rocAuc: null,
      rocAucInterval: null,
      brier: null,
      brierInterval: null,
      meanPredicted: null,
      observedRate: null,
      calibration,
    };
  }
  const errors = pairs.map((p) => (p.score - (p.flooded ? 1 : 0)) ** 2);
  const brier = mean(errors);
  const sd = Math.sqrt(errors.reduce((s, e) => s + (e - brier) ** 2, 0) / Math.max(1, n - 1));
  const brierHalf = (Z95 * sd) / Math.sqrt(n);
  let rocAuc: number | null = null;
  let rocAucInterval: [number, number] | null = null;
  if (positives && negatives) {
    rocAuc = mannWhitney(pairs, positives, negatives);
    // Hanley & McNeil (1982): the AUC's standard error from its two conditional probabilities.
    const q1 = rocAuc / (2 - rocAuc);
    const q2 = (2 * rocAuc * rocAuc) / (1 + rocAuc);
    const se = Math.sqrt(
      (rocAuc * (1 - rocAuc) + (positives - 1) * (q1 - rocAuc ** 2) + (negatives - 1) * (q2 - rocAuc ** 2)) /
        (positives * negatives),
    );
    rocAucInterval = [Math.max(0, rocAuc - Z95 * se), Math.min(1, rocAuc + Z95 * se)];
  }
  return {
    samples: n,
    positives,
    rocAuc,
    rocAucInterval,
    brier,
    brierInterval: [Math.max(0, brier - brierHalf), Math.min(1, brier + brierHalf)],
    meanPredicted: mean(pairs.map((p) => p.score)),
    observedRate: positives / n,
    calibration,
  };
}

/** P(score of a flooded hour > score of a dry one), ties half, by ranks: O(n log n). */
function mannWhitney(pairs: readonly ScoredOutcome[], positives: number, negatives: number): number {
  const sorted = [...pairs].sort((a, b) => a.score - b.score);
  let rankSum = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    // Tied scores share the mean of their 1-based ranks i+1 … j.
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (sorted[k]!.flooded) rankSum += rank;
    i = j;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
