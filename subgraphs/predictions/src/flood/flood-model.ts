import {
  Batcher,
  inputRowId,
  withTimeout,
  type BatcherMetrics,
  type BatcherOptions,
  type OnnxModel,
} from '@cityassist/inference';
import type { ExplainerPool } from '@cityassist/treeshap';
import { explainCached, type CachedExplanation } from '../explain/cached-explanations.ts';
import type { ZoneFeatures } from '../features/feature-store.ts';
import type { FloodExplanation } from './flood-explainer.ts';
import type { PredictionCache } from './prediction-cache.ts';
import { FloodLevel, type FloodRisk } from './flood-risk.type.ts';

const LEVEL_BY_NAME: Record<string, FloodLevel> = {
  low: FloodLevel.LOW,
  moderate: FloodLevel.MODERATE,
  high: FloodLevel.HIGH,
  severe: FloodLevel.SEVERE,
};

export interface FloodModelOptions {
  /** Probabilities by prediction id; unset = every row goes to the model. */
  cache?: PredictionCache | undefined;
  /** Explanations by prediction id. */
  explanationCache?: PredictionCache<CachedExplanation> | undefined;
  /** Sees every scored row (drift monitoring); its failures never fail a prediction. */
  observer?: { observe(scored: readonly FloodRisk[]): Promise<unknown> } | undefined;
  /** Cross-request batching of model calls. */
  batch: BatcherOptions;
  batcherMetrics?: BatcherMetrics | undefined;
  /** A model call that takes longer fails with a timeout (the router then falls back). 0 = none. */
  timeoutMs: number;
}

/**
 * One loaded version of the flood model: turns feature-store rows into input rows, scores them
 * through the cross-request batcher (cached rows never reach the model), and explains them with
 * TreeSHAP read from the same ONNX file.
 */
export class FloodModel {
  private readonly bands: [number, FloodLevel][];
  private readonly batcher: Batcher<Float32Array, number>;

  constructor(
    readonly onnx: OnnxModel,
    readonly explainer: ExplainerPool,
    private readonly options: FloodModelOptions,
  ) {
    const levels = onnx.metadata.levels ?? { low: 0, moderate: 0.2, high: 0.5, severe: 0.8 };
    this.bands = Object.entries(levels)
      .map(([name, bound]): [number, FloodLevel] => {
        const level = LEVEL_BY_NAME[name];
        if (!level) throw new Error(`flood model metadata names an unknown level ${name}`);
        return [bound, level];
      })
      .sort((a, b) => b[0] - a[0]);
    if (explainer.explainer.nFeatures !== onnx.featureNames.length) {
      throw new Error(
        `flood ${onnx.version}: the trees read ${explainer.explainer.nFeatures} features, the metadata names ${onnx.featureNames.length}`,
      );
    }
    const width = onnx.featureNames.length;
    this.batcher = new Batcher(
      `${onnx.name}@${onnx.version}`,
      async (rows) => {
        const data = new Float32Array(rows.length * width);
        rows.forEach((row, i) => data.set(row, i * width));
        return Array.from(await onnx.predictProbability(data, rows.length));
      },
      options.batch,
      options.batcherMetrics,
    );
  }

  get name(): string {
    return this.onnx.name;
  }

  get version(): string {
    return this.onnx.version;
  }

  levelOf(probability: number): FloodLevel {
    return this.bands.find(([bound]) => probability >= bound)?.[1] ?? FloodLevel.LOW;
  }

  /** The model's input row for a zone: its feature order; a missing or null feature is NaN (the trees route it). */
  toRow(features: ZoneFeatures): Float32Array {
    const names = this.onnx.featureNames;
    const row = new Float32Array(names.length);
    names.forEach((name, j) => {
      const v = features.values[name];
      row[j] = typeof v === 'number' ? v : Number.NaN;
    });
    return row;
  }

  /**
   * Scores every row: cached rows from the cache, the others through the batcher, which merges
   * them with other requests' rows into as few model calls as its settings allow.
   */
  async score(rows: readonly ZoneFeatures[]): Promise<FloodRisk[]> {
    if (rows.length === 0) return [];
    const model = { name: this.onnx.name, version: this.onnx.version };
    const inputs = rows.map((r) => this.toRow(r));
    const ids = inputs.map((x) => predictionIdOf(model.version, x));
    const cached = this.options.cache ? await this.options.cache.getMany(ids) : new Map<string, number>();
    const misses = ids.flatMap((id, i) => (cached.has(id) ? [] : [i]));
    if (misses.length > 0) {
      const results = await withTimeout(
        this.batcher.submitMany(misses.map((i) => inputs[i]!)),
        this.options.timeoutMs,
        `flood ${this.onnx.version} did not answer within ${this.options.timeoutMs} ms`,
      );
      const fresh: [string, number][] = [];
      results.forEach((p, k) => {
        if (p instanceof Error) throw p;
        fresh.push([ids[misses[k]!]!, p]);
      });
      for (const [id, p] of fresh) cached.set(id, p);
      await this.options.cache?.setMany(fresh);
    }
    const risks = rows.map((row, i): FloodRisk => {
      const score = cached.get(ids[i]!)!;
      return {
        predictionId: ids[i]!,
        score,
        probability: score,
        degraded: false,
        level: this.levelOf(score),
        asOf: row.asOf,
        model,
        inputs: inputs[i]!,
        zoneId: row.zoneId,
      };
    });
    this.options.observer?.observe(risks).catch(() => undefined);
    return risks;
  }

  /** Exact TreeSHAP of each prediction (cached like the predictions), in worker threads. */
  explain(risks: readonly FloodRisk[]): Promise<FloodExplanation[]> {
    return explainCached(
      risks.map((r) => ({ id: r.predictionId, inputs: r.inputs })),
      {
        featureNames: this.onnx.featureNames,
        explainer: this.explainer,
        cache: this.options.explanationCache,
      },
    );
  }

  async close(): Promise<void> {
    await this.explainer.close();
    await this.onnx.close();
  }
}

/** `pred-` and 16 hex of SHA-256 over the model version and the exact float32 input row. */
export function predictionIdOf(version: string, inputs: Float32Array): string {
  return inputRowId('pred', version, inputs);
}
