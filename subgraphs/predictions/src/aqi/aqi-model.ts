import {
  Batcher,
  inputRowId,
  withTimeout,
  type BatcherMetrics,
  type BatcherOptions,
  type OnnxModel,
} from '@cityassist/inference';
import type { ExplainerPool } from '@cityassist/treeshap';
import type { PredictionCache } from '../flood/prediction-cache.ts';
import { explainCached, type CachedExplanation, type Explanation } from '../explain/cached-explanations.ts';
import { assertFeatureSpec, type AqiFeatureSpec } from './aqi-features.ts';
import { EpaIndex, type EpaBreakpoints } from './epa.ts';

/** The model's named outputs for one row, each one value per horizon (column h-1 = step h). */
export interface RawForecast {
  forecast: Float32Array;
  lower: Float32Array;
  upper: Float32Array;
  ratio: Float32Array;
}

const OUTPUTS = ['forecast', 'lower', 'upper', 'ratio'] as const;

export type AqiExplanation = Explanation;

export interface AqiModelOptions {
  /** Cross-request batching of model calls. */
  batch: BatcherOptions;
  batcherMetrics?: BatcherMetrics | undefined;
  /** A model call that takes longer fails with a timeout (the forecast then falls back). 0 = none. */
  timeoutMs: number;
  /** Explanations by forecast id; unset = computed every time. */
  explanationCache?: PredictionCache<CachedExplanation> | undefined;
}

/**
 * One loaded version of the AQI forecaster (models/aqi/<version>/): input rows go through the
 * cross-request batcher to one ONNX session, which returns the forecast, its interval and the
 * ratio for all 24 horizons at once; explanations come from the same file's trees (TreeSHAP).
 */
export class AqiModel {
  readonly spec: AqiFeatureSpec;
  readonly epa: EpaIndex;
  readonly parameter: string;
  readonly unit: string;
  /** Pollutants the model's EPA tables cover: what the sensor store accepts readings of. */
  readonly parameters: string[];
  private readonly intervals: { qLo: number[]; qHi: number[]; scaleFloor: number };
  private readonly batcher: Batcher<Float32Array, RawForecast>;
  private readonly at: { level: number; lag0: number; mean3: number; std: number };

  constructor(
    readonly onnx: OnnxModel,
    readonly explainer: ExplainerPool,
    private readonly options: AqiModelOptions,
  ) {
    const m = onnx.metadata;
    const where = `aqi ${onnx.version}`;
    this.spec = assertFeatureSpec(m['feature_spec'], onnx.featureNames);
    if (typeof m['parameter'] !== 'string' || typeof m['unit'] !== 'string') {
      throw new Error(`${where}: metadata names no parameter and unit`);
    }
    this.parameter = m['parameter'];
    this.unit = m['unit'];
    const breakpoints = m['epa_breakpoints'] as EpaBreakpoints | undefined;
    if (!breakpoints?.pollutants) throw new Error(`${where}: metadata has no epa_breakpoints`);
    this.epa = EpaIndex.fromBreakpoints(breakpoints, this.parameter);
    this.parameters = Object.keys(breakpoints.pollutants);
    const missing = OUTPUTS.filter((o) => !(o in m.onnx.outputs));
    if (missing.length) throw new Error(`${where}: metadata names no output ${missing.join(', ')}`);
    const iv = m['intervals'] as { q_lo?: number[]; q_hi?: number[]; scale_floor?: number } | undefined;
    if (
      iv?.q_lo?.length !== this.spec.horizons ||
      iv.q_hi?.length !== this.spec.horizons ||
      typeof iv.scale_floor !== 'number'
    ) {
      throw new Error(`${where}: metadata intervals need q_lo, q_hi (one per horizon) and scale_floor`);
    }
    this.intervals = { qLo: iv.q_lo, qHi: iv.q_hi, scaleFloor: iv.scale_floor };
    const names = onnx.featureNames;
    this.at = {
      level: names.indexOf('level'),
      lag0: names.indexOf('r_lag_0'),
      mean3: names.indexOf('r_mean_3'),
      std: names.indexOf(`r_std_${this.spec.season}`),
    };
    if (explainer.explainer.nFeatures !== names.length) {
      throw new Error(
        `${where}: the trees read ${explainer.explainer.nFeatures} features, the metadata names ${names.length}`,
      );
    }
    if (explainer.explainer.nTargets !== this.spec.horizons) {
      throw new Error(
        `${where}: the trees have ${explainer.explainer.nTargets} targets for ${this.spec.horizons} horizons`,
      );
    }
    const width = names.length;
    const H = this.spec.horizons;
    this.batcher = new Batcher(
      `${onnx.name}@${onnx.version}`,
      async (rows) => {
        const data = new Float32Array(rows.length * width);
        rows.forEach((row, i) => data.set(row, i * width));
        const out = await onnx.run(data, rows.length);
        const tensors = OUTPUTS.map((o) => {
          const t = out[o]?.data;
          if (!(t instanceof Float32Array) || t.length !== rows.length * H) {
            throw new Error(`${where} returned no ${o} of ${rows.length} × ${H}`);
          }
          return t;
        });
        return rows.map((_, i) => {
          const [forecast, lower, upper, ratio] = tensors.map((t) => t.slice(i * H, (i + 1) * H));
          return { forecast: forecast!, lower: lower!, upper: upper!, ratio: ratio! };
        });
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

  /** Forecasts every row in as few model calls as the batcher's settings allow (one per request). */
  async forecast(rows: readonly Float32Array[]): Promise<RawForecast[]> {
    if (rows.length === 0) return [];
    const results = await withTimeout(
      this.batcher.submitMany(rows),
      this.options.timeoutMs,
      `aqi ${this.onnx.version} did not answer within ${this.options.timeoutMs} ms`,
    );
    return results.map((r) => {
      if (r instanceof Error) throw r;
      return r;
    });
  }

  /**
   * The documented fallback when the model fails: the ONNX graph with the trees' output set to 0,
   * i.e. persistence of the recent ratio (r_lag_0, else r_mean_3, else 1) times the level, with the
   * model's conformal offsets. Those offsets were calibrated for the model, not for persistence, so
   * the interval is narrower than persistence's real error: one more reason it is marked degraded.
   */
  baseline(row: Float32Array): RawForecast {
    const f = Math.fround;
    const H = this.spec.horizons;
    const lag0 = row[this.at.lag0]!;
    const mean3 = row[this.at.mean3]!;
    const base = Number.isNaN(lag0) ? (Number.isNaN(mean3) ? 1 : mean3) : lag0;
    const level = row[this.at.level]!;
    const sigma = Math.max(row[this.at.std]!, f(this.intervals.scaleFloor));
    const out: RawForecast = {
      forecast: new Float32Array(H),
      lower: new Float32Array(H),
      upper: new Float32Array(H),
      ratio: new Float32Array(H).fill(base),
    };
    for (let h = 0; h < H; h++) {
      out.forecast[h] = Math.max(0, f(base * level));
      out.lower[h] = Math.max(0, f(f(base + f(f(this.intervals.qLo[h]!) * sigma)) * level));
      out.upper[h] = Math.max(0, f(f(base + f(f(this.intervals.qHi[h]!) * sigma)) * level));
    }
    return out;
  }

  /**
   * Exact TreeSHAP of the first step (target 0, horizon 1) of each row, cached by forecast id. The
   * values are in the trees' output space: the change of y[t+1]/level from the graph's base
   * (r_lag_0, else r_mean_3, else 1); baseValue + Σ contributions + base = the ratio output.
   */
  explain(items: readonly { forecastId: string; inputs: Float32Array }[]): Promise<AqiExplanation[]> {
    return explainCached(
      items.map((i) => ({ id: i.forecastId, inputs: i.inputs })),
      {
        featureNames: this.onnx.featureNames,
        explainer: this.explainer,
        cache: this.options.explanationCache,
        target: 0,
      },
    );
  }

  async close(): Promise<void> {
    await this.explainer.close();
    await this.onnx.close();
  }
}

/** `aqi-` and 16 hex of SHA-256 over the model version and the exact float32 input row. */
export function forecastIdOf(version: string, inputs: Float32Array): string {
  return inputRowId('aqi', version, inputs);
}
