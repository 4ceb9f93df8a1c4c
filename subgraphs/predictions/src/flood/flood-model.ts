import { createHash } from 'node:crypto';
import type { OnnxModel } from '@cityassist/inference';
import type { ZoneFeatures } from '../features/feature-store.ts';
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

  /** Scores every row with one model call. */
  async score(rows: readonly ZoneFeatures[]): Promise<FloodRisk[]> {
    if (rows.length === 0) return [];
    const matrix = this.toMatrix(rows);
    const probabilities = await this.onnx.predictProbability(matrix, rows.length);
    const model = { name: this.onnx.name, version: this.onnx.version };
    const width = this.onnx.featureNames.length;
    const risks = rows.map((row, i): FloodRisk => {
      const score = probabilities[i]!;
      const inputs = matrix.slice(i * width, (i + 1) * width);
      return {
        predictionId: predictionIdOf(model.version, inputs),
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
