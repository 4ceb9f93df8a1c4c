import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ModelMetadata } from './metadata.ts';
import { readMetadata } from './registry.ts';

export interface InferenceMetrics {
  calls: Counter<'model' | 'version'>;
  rows: Counter<'model' | 'version'>;
  time: Histogram<'model' | 'version'>;
  version: Gauge<'model' | 'version'>;
}

/** The brief's model metrics (inference_time_seconds, model_version) plus call and row counters. */
export function createInferenceMetrics(registry: Registry): InferenceMetrics {
  const labelNames = ['model', 'version'] as const;
  return {
    calls: new Counter({
      name: 'inference_calls_total',
      help: 'Model invocations (one per batch)',
      labelNames,
      registers: [registry],
    }),
    rows: new Counter({
      name: 'inference_rows_total',
      help: 'Rows scored',
      labelNames,
      registers: [registry],
    }),
    time: new Histogram({
      name: 'inference_time_seconds',
      help: 'Wall time of one model invocation',
      labelNames,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    version: new Gauge({
      name: 'model_version',
      help: '1 for each loaded model version',
      labelNames,
      registers: [registry],
    }),
  };
}

/**
 * A loaded model: its metadata and an ONNX Runtime session, made once at start and released at
 * shutdown. One intra-op thread: requests are already parallel, and the machines are small.
 */
export class OnnxModel {
  private constructor(
    readonly metadata: ModelMetadata,
    private readonly session: ort.InferenceSession,
    private readonly metrics: InferenceMetrics | undefined,
  ) {
    metrics?.version.set(this.labels, 1);
  }

  static async load(dir: string, metrics?: InferenceMetrics): Promise<OnnxModel> {
    const metadata = await readMetadata(dir);
    const session = await ort.InferenceSession.create(path.join(dir, metadata.onnx.file), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const missing = [metadata.onnx.input].filter((n) => !session.inputNames.includes(n));
    if (missing.length) throw new Error(`${dir}: the ONNX file has no input ${missing.join(', ')}`);
    return new OnnxModel(metadata, session, metrics);
  }

  get name(): string {
    return this.metadata.name;
  }

  get version(): string {
    return this.metadata.version;
  }

  get featureNames(): string[] {
    return this.metadata.features.map((f) => f.name);
  }

  private get labels() {
    return { model: this.metadata.name, version: this.metadata.version };
  }

  /** Runs one batch: `rows` × features, row-major, NaN for missing. Returns the named outputs. */
  async run(data: Float32Array, rows: number): Promise<Record<string, ort.Tensor>> {
    const width = this.metadata.features.length;
    if (data.length !== rows * width) {
      throw new Error(`input has ${data.length} values, expected ${rows} rows × ${width} features`);
    }
    const end = this.metrics?.time.startTimer(this.labels);
    try {
      return await this.session.run({
        [this.metadata.onnx.input]: new ort.Tensor('float32', data, [rows, width]),
      });
    } finally {
      end?.();
      this.metrics?.calls.inc(this.labels);
      this.metrics?.rows.inc(this.labels, rows);
    }
  }

  /** Probability of the positive class for each row (binary classifiers). */
  async predictProbability(data: Float32Array, rows: number): Promise<Float64Array> {
    const outputName = this.metadata.onnx.outputs['probabilities'];
    if (!outputName) throw new Error(`${this.name} declares no probabilities output`);
    const out = (await this.run(data, rows))[outputName];
    if (!out) throw new Error(`${this.name} returned no ${outputName}`);
    const classes = out.dims[1] ?? 1;
    const positive = this.metadata.onnx.positiveClassIndex ?? classes - 1;
    const values = out.data as Float32Array;
    const result = new Float64Array(rows);
    for (let i = 0; i < rows; i++) result[i] = values[i * classes + positive]!;
    return result;
  }

  /** Runs one all-missing row outside the metrics: proves the session answers (readiness). */
  async ping(): Promise<void> {
    const width = this.metadata.features.length;
    await this.session.run({
      [this.metadata.onnx.input]: new ort.Tensor('float32', new Float32Array(width).fill(Number.NaN), [
        1,
        width,
      ]),
    });
  }

  async close(): Promise<void> {
    this.metrics?.version.remove(this.labels);
    await this.session.release();
  }
}
