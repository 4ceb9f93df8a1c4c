import path from 'node:path';
import { ExplainerPool, loadTreeExplainer } from '@cityassist/treeshap';
import { Batcher, type BatcherMetrics, type BatcherOptions } from '../batcher.ts';
import { inputRowId, withTimeout } from '../deadline.ts';
import type { FeatureSpec, ModelMetadata } from '../metadata.ts';
import { OnnxModel, type InferenceMetrics, type ModelBackend } from '../session.ts';
import type { PredictionCache } from './prediction-cache.ts';
import { verifyTestVectors } from './test-vectors.ts';
import { modelAttributes, traced, tracing } from '../tracing.ts';

/** One row's model outputs: each named output's values for that row (a horizon each, or a class). */
export type RawOutputs = Record<string, number[]>;

/** One row's answer from the model: its prediction id (version + exact inputs) and its outputs. */
export interface Prediction {
  id: string;
  raw: RawOutputs;
}

/** One row's explanation: contributions that add up, from baseValue, to the model's margin. */
export interface Explanation {
  baseValue: number;
  contributions: { feature: string; value: number | null; contribution: number }[];
}

/** An explanation as cached: the bias and one contribution per feature, in the model's order. */
export interface CachedExplanation {
  b: number;
  v: number[];
}

export interface ServedModelOptions {
  /** Where the session runs (`worker` keeps the event loop free and deadlines real). */
  backend: ModelBackend;
  /** `<prefix>-<hash>` names each prediction (`pred` for flood: clients see it). */
  idPrefix: string;
  /** The output tensors the answers are made from; the others (a label, a parity column) are dropped. */
  outputs: readonly string[];
  /** Cross-request batching of model calls. */
  batch: BatcherOptions;
  /** A model call that takes longer fails with a timeout (the router then falls back). 0 = none. */
  timeoutMs: number;
  /** Worker threads for TreeSHAP; 0 explains on the event loop. */
  explainThreads: number;
  /** Batches of at most this many rows are explained on the event loop (see ExplainerPool). */
  explainInlineRows?: number | undefined;
  metrics?: InferenceMetrics | undefined;
  batcherMetrics?: BatcherMetrics | undefined;
  /** Outputs by prediction id: only uncached rows reach the model. */
  cache?: PredictionCache<RawOutputs> | undefined;
  /** Explanations by prediction id and target. */
  explanationCache?: PredictionCache<CachedExplanation> | undefined;
}

/**
 * One loaded version of a tabular model (`models/<name>/<version>/`), whatever it predicts: the
 * serving interface every model's machinery takes (the router, fallbacks, caches, drift), as
 * onnxruntime's `js/common` InferenceSession is the interface its backends implement. It loads the
 * ONNX file on the chosen backend, proves it reproduces its own test vectors before anything is
 * served (a missing test_vectors.json is an error, not a pass), scores rows through the
 * cross-request batcher with a deadline and the output cache, and explains them with exact
 * TreeSHAP read from the same file.
 */
export class ServedModel {
  private readonly batcher: Batcher<Float32Array, RawOutputs>;

  private constructor(
    readonly onnx: OnnxModel,
    readonly explainer: ExplainerPool,
    readonly dir: string,
    /** How many test vectors it reproduced at load. */
    readonly testVectors: number,
    private readonly options: ServedModelOptions,
  ) {
    if (explainer.explainer.nFeatures !== onnx.featureNames.length) {
      throw new Error(
        `${this.label}: the trees read ${explainer.explainer.nFeatures} features, the metadata names ${onnx.featureNames.length}`,
      );
    }
    const width = onnx.featureNames.length;
    this.batcher = new Batcher(
      this.label,
      async (rows) => {
        const data = new Float32Array(rows.length * width);
        rows.forEach((row, i) => data.set(row, i * width));
        const out = await onnx.run(data, rows.length);
        const outputs = options.outputs.map((name) => {
          const tensor = out[name];
          if (!tensor) throw new Error(`${this.label} returned no output ${name}`);
          const values = Array.from(tensor.data as ArrayLike<number | bigint>, Number);
          return [name, values, values.length / rows.length] as const;
        });
        return rows.map((_, i) =>
          Object.fromEntries(outputs.map(([name, values, w]) => [name, values.slice(i * w, (i + 1) * w)])),
        );
      },
      options.batch,
      options.batcherMetrics,
      {
        name: 'model.inference',
        attributes: { ...modelAttributes(onnx.name, onnx.version), 'model.backend': onnx.backend },
      },
    );
  }

  static async load(dir: string, options: ServedModelOptions): Promise<ServedModel> {
    const onnx = await OnnxModel.load(dir, options.metrics, { backend: options.backend });
    try {
      // Routing, the registry and every answer name the folder's version: they must be one.
      if (path.basename(dir) !== onnx.version) {
        throw new Error(
          `${dir}: metadata.json says version ${onnx.version}, the folder ${path.basename(dir)}`,
        );
      }
      const checked = await verifyTestVectors(onnx, dir);
      const onnxPath = path.join(dir, onnx.metadata.onnx.file);
      const explainer = new ExplainerPool(onnxPath, await loadTreeExplainer(onnxPath), {
        threads: options.explainThreads,
        inlineRows: options.explainInlineRows,
      });
      return new ServedModel(onnx, explainer, dir, checked, options);
    } catch (err) {
      await onnx.close();
      throw err;
    }
  }

  get name(): string {
    return this.onnx.name;
  }

  get version(): string {
    return this.onnx.version;
  }

  get metadata(): ModelMetadata {
    return this.onnx.metadata;
  }

  get features(): FeatureSpec[] {
    return this.onnx.metadata.features;
  }

  get featureNames(): string[] {
    return this.onnx.featureNames;
  }

  private get label(): string {
    return `${this.onnx.name}@${this.onnx.version}`;
  }

  /** The prediction id of an input row: the same version and inputs always give the same id. */
  idOf(inputs: Float32Array): string {
    return inputRowId(this.options.idPrefix, this.version, inputs);
  }

  /**
   * Scores rows: cached rows from the cache, the others through the batcher, which merges them with
   * other requests' rows into as few model calls as its settings allow. Throws when the model fails
   * or misses its deadline (the router falls back).
   */
  predict(rows: readonly Float32Array[]): Promise<Prediction[]> {
    if (rows.length === 0 || !tracing()) return this.predictRows(rows);
    return traced(
      'model.predict',
      { ...modelAttributes(this.name, this.version), 'model.rows': rows.length },
      (span) => this.predictRows(rows, (cached) => span.setAttribute('model.rows.cached', cached)),
    );
  }

  private async predictRows(
    rows: readonly Float32Array[],
    onCached?: (rows: number) => void,
  ): Promise<Prediction[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => this.idOf(r));
    const found = this.options.cache ? await this.options.cache.getMany(ids) : new Map<string, RawOutputs>();
    const misses = ids.flatMap((id, i) => (found.has(id) ? [] : [i]));
    onCached?.(rows.length - misses.length);
    if (misses.length > 0) {
      const results = await withTimeout(
        this.batcher.submitMany(misses.map((i) => rows[i]!)),
        this.options.timeoutMs,
        `${this.name} ${this.version} did not answer within ${this.options.timeoutMs} ms`,
      );
      const fresh: [string, RawOutputs][] = [];
      results.forEach((r, k) => {
        if (r instanceof Error) throw r;
        fresh.push([ids[misses[k]!]!, r]);
      });
      for (const [id, raw] of fresh) found.set(id, raw);
      await this.options.cache?.setMany(fresh);
    }
    return ids.map((id) => ({ id, raw: found.get(id)! }));
  }

  /**
   * Exact TreeSHAP of each item's input row for one target (a class's margin, a horizon), read
   * from the cache by id and target where present; the rest go to the explainer in one pass.
   */
  explain(items: readonly { id: string; inputs: Float32Array }[], target = 0): Promise<Explanation[]> {
    if (items.length === 0 || !tracing()) return this.explainRows(items, target);
    return traced(
      'model.explain',
      {
        ...modelAttributes(this.name, this.version),
        'model.rows': items.length,
        'explain.method': 'treeshap',
        'explain.target': target,
        'explain.threads': this.options.explainThreads,
      },
      (span) => this.explainRows(items, target, (cached) => span.setAttribute('model.rows.cached', cached)),
    );
  }

  private async explainRows(
    items: readonly { id: string; inputs: Float32Array }[],
    target: number,
    onCached?: (rows: number) => void,
  ): Promise<Explanation[]> {
    if (items.length === 0) return [];
    const names = this.featureNames;
    const width = names.length;
    const keys = items.map((i) => (target === 0 ? i.id : `${i.id}:${target}`));
    const cache = this.options.explanationCache;
    const found = cache ? await cache.getMany(keys) : new Map<string, CachedExplanation>();
    const misses = keys.flatMap((k, i) => (found.has(k) ? [] : [i]));
    onCached?.(items.length - misses.length);
    if (misses.length > 0) {
      const rows = new Float32Array(misses.length * width);
      misses.forEach((i, k) => rows.set(items[i]!.inputs, k * width));
      const n = misses.length;
      const { values, bias } = tracing()
        ? await traced('treeshap.explain', { 'model.rows': n, 'explain.target': target }, () =>
            this.explainer.explain(rows, n, target),
          )
        : await this.explainer.explain(rows, n, target);
      const fresh = misses.map((i, k): [string, CachedExplanation] => [
        keys[i]!,
        { b: bias[k]!, v: values[k]! },
      ]);
      for (const [k, e] of fresh) found.set(k, e);
      await cache?.setMany(fresh);
    }
    return items.map((item, i) => {
      const e = found.get(keys[i]!)!;
      return {
        baseValue: e.b,
        contributions: names.map((feature, j) => {
          const v = item.inputs[j]!;
          return { feature, value: Number.isNaN(v) ? null : v, contribution: e.v[j]! };
        }),
      };
    });
  }

  /** Proves the session answers (readiness). */
  ping(): Promise<void> {
    return this.onnx.ping();
  }

  async close(): Promise<void> {
    await this.explainer.close();
    await this.onnx.close();
  }
}
