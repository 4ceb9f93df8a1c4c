import { createHash } from 'node:crypto';
import type { OnnxModel } from '@cityassist/inference';
import type { ZoneFeatures } from '../features/feature-store.ts';
import type { PredictionCache } from './prediction-cache.ts';
import { FloodLevel, type FloodRisk } from './flood-risk.type.ts';

const LEVEL_BY_NAME: Record<string, FloodLevel> = {
  low: FloodLevel.LOW,
  moderate: FloodLevel.MODERATE,
  high: FloodLevel.HIGH,
  severe: FloodLevel.SEVERE,
};

/** Turns feature-store rows into one input tensor and the model's probabilities into FloodRisks. */
export class FloodModel {
  private readonly bands: [number, FloodLevel][];

  constructor(
    readonly onnx: OnnxModel,
    /** Sees every scored row (drift monitoring); its failures never fail a prediction. */
    private readonly observer?: { observe(scored: readonly FloodRisk[]): Promise<unknown> },
    /** Probabilities by prediction id; unset = every row goes to the model. */
    private readonly cache?: PredictionCache,
  ) {
    const levels = onnx.metadata.levels ?? { low: 0, moderate: 0.2, high: 0.5, severe: 0.8 };
    this.bands = Object.entries(levels)
      .map(([name, bound]): [number, FloodLevel] => {
        const level = LEVEL_BY_NAME[name];
        if (!level) throw new Error(`flood model metadata names an unknown level ${name}`);
        return [bound, level];
      })
      .sort((a, b) => b[0] - a[0]);
  }

  levelOf(probability: number): FloodLevel {
    return this.bands.find(([bound]) => probability >= bound)?.[1] ?? FloodLevel.LOW;
  }

  /** Row-major matrix in the model's feature order; a missing or null feature is NaN (the trees route it). */
  toMatrix(rows: readonly ZoneFeatures[]): Float32Array {
    const names = this.onnx.featureNames;
    const data = new Float32Array(rows.length * names.length);
    rows.forEach((row, i) => {
      names.forEach((name, j) => {
        const v = row.values[name];
        data[i * names.length + j] = typeof v === 'number' ? v : Number.NaN;
      });
    });
    return data;
  }

  /** Scores every row: cached rows from the cache, all others with one model call. */
  async score(rows: readonly ZoneFeatures[]): Promise<FloodRisk[]> {
    if (rows.length === 0) return [];
    const matrix = this.toMatrix(rows);
    const model = { name: this.onnx.name, version: this.onnx.version };
    const width = this.onnx.featureNames.length;
    const inputsOf = (i: number) => matrix.slice(i * width, (i + 1) * width);
    const ids = rows.map((_, i) => predictionIdOf(model.version, inputsOf(i)));
    const cached = this.cache ? await this.cache.getMany(ids) : new Map<string, number>();
    const misses = ids.flatMap((id, i) => (cached.has(id) ? [] : [i]));
    if (misses.length > 0) {
      const batch = new Float32Array(misses.length * width);
      misses.forEach((row, k) => batch.set(inputsOf(row), k * width));
      const probabilities = await this.onnx.predictProbability(batch, misses.length);
      const fresh = misses.map((row, k): [string, number] => [ids[row]!, probabilities[k]!]);
      for (const [id, p] of fresh) cached.set(id, p);
      await this.cache?.setMany(fresh);
    }
    const risks = rows.map((row, i): FloodRisk => {
      const score = cached.get(ids[i]!)!;
      const inputs = inputsOf(i);
      return {
        predictionId: ids[i]!,
        score,
        probability: score,
        degraded: false,
        level: this.levelOf(score),
        asOf: row.asOf,
        model,
        inputs,
      };
    });
    this.observer?.observe(risks).catch(() => undefined);
    return risks;
  }
}

/** `pred-` and 16 hex of SHA-256 over the model version and the exact float32 input row. */
export function predictionIdOf(version: string, inputs: Float32Array): string {
  const hash = createHash('sha256')
    .update(version)
    .update(new Uint8Array(inputs.buffer, inputs.byteOffset, inputs.byteLength));
  return `pred-${hash.digest('hex').slice(0, 16)}`;
}
