import path from 'node:path';
import { openDuck, queryRows, sqlIdent, sqlString } from '@cityassist/feature-store';
import { OnnxModel, verifyTestVectors } from '@cityassist/inference';

export interface BinaryScores {
  rocAuc: number | null;
  prAuc: number | null;
  brier: number | null;
}

export interface SameHoldout {
  /** The first hour of the hold-out (the candidate's training config). */
  holdoutStart: string;
  rows: number;
  positives: number;
  /** The candidate's test vectors, reproduced by ONNX Runtime here as the service will check them. */
  candidateTestVectors: number;
  candidate: BinaryScores;
  /** Null when the champion reads a feature the export does not hold. */
  champion: BinaryScores | null;
}

/**
 * The candidate and the champion scored by ONNX Runtime on the same rows: the candidate's
 * hold-out in the training export (label hours from `holdoutStart` on). Their metadata figures
 * come from different hold-outs (the champion's from its own training); this one does not.
 */
export async function compareOnHoldout(
  exportFile: string,
  holdoutStart: string,
  candidateDir: string,
  championDir: string,
  tempDir: string,
): Promise<SameHoldout> {
  const candidate = await OnnxModel.load(candidateDir);
  const champion = await OnnxModel.load(championDir);
  try {
    // What the service checks before a version serves: a candidate failing it is never registered.
    const candidateTestVectors = await verifyTestVectors(candidate, candidateDir);
    using duck = await openDuck({ tempDir: path.join(tempDir, 'duckdb-holdout') });
    const columns = (
      await queryRows<{ column_name: string }>(
        duck,
        `select column_name from (describe select * from read_parquet(${sqlString(exportFile)}))`,
      )
    ).map((c) => c.column_name);
    const where = `label_time - interval 1 hour >= ${sqlString(holdoutStart)}::timestamptz`;
    const labels = (
      await queryRows<{ label: number }>(
        duck,
        `select label::double as label from read_parquet(${sqlString(exportFile)}) where ${where} order by label_time, zone_id`,
      )
    ).map((r) => r.label);
    const score = async (model: OnnxModel): Promise<BinaryScores | null> => {
      const features = model.featureNames;
      if (!features.every((f) => columns.includes(f))) return null;
      const rows = await queryRows<Record<string, number | null>>(
        duck,
        `select ${features.map((f) => `${sqlIdent(f)}::double as ${sqlIdent(f)}`).join(', ')}
           from read_parquet(${sqlString(exportFile)}) where ${where} order by label_time, zone_id`,
      );
      const data = new Float32Array(rows.length * features.length);
      rows.forEach((r, i) =>
        features.forEach((f, j) => {
          data[i * features.length + j] = r[f] ?? Number.NaN;
        }),
      );
      const p = new Float64Array(rows.length);
      const batch = 50_000;
      for (let lo = 0; lo < rows.length; lo += batch) {
        const n = Math.min(batch, rows.length - lo);
        p.set(
          await model.predictProbability(data.subarray(lo * features.length, (lo + n) * features.length), n),
          lo,
        );
      }
      return binaryScores(labels, p);
    };
    return {
      holdoutStart,
      rows: labels.length,
      positives: labels.filter((y) => y === 1).length,
      candidateTestVectors,
      candidate: (await score(candidate))!,
      champion: await score(champion),
    };
  } finally {
    await candidate.close();
    await champion.close();
  }
}

/**
 * ROC-AUC (ties counted half), average precision and Brier score, as scikit-learn's
 * roc_auc_score, average_precision_score and brier_score_loss compute them (and training's
 * metrics.py); null for an undefined AUC (one class only).
 */
export function binaryScores(y: readonly number[], p: ArrayLike<number>): BinaryScores {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b]! - p[a]!);
  const positives = y.reduce((s, v) => s + v, 0);
  const negatives = n - positives;
  let brier = 0;
  for (let i = 0; i < n; i++) brier += (p[i]! - y[i]!) ** 2;
  if (!positives || !negatives) return { rocAuc: null, prAuc: null, brier: n ? brier / n : null };
  let tp = 0;
  let fp = 0;
  let auc = 0;
  let ap = 0;
  let lastRecall = 0;
  for (let i = 0; i < n;) {
    // One threshold per distinct score: ties move together.
    let j = i;
    let dtp = 0;
    let dfp = 0;
    while (j < n && p[order[j]!] === p[order[i]!]) {
      if (y[order[j]!] === 1) dtp++;
      else dfp++;
      j++;
    }
    auc += dfp * (tp + dtp / 2);
    tp += dtp;
    fp += dfp;
    const recall = tp / positives;
    ap += (recall - lastRecall) * (tp / (tp + fp));
    lastRecall = recall;
    i = j;
  }
  return { rocAuc: auc / (positives * negatives), prAuc: ap, brier: brier / n };
}
