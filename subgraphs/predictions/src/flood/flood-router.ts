import { createHash } from 'node:crypto';
import type { FeatureSpec } from '@cityassist/inference';
import type { Logger } from '@cityassist/service-kit';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { DriftMonitor } from '../drift/drift-monitor.ts';
import type { ZoneFeatures } from '../features/feature-store.ts';
import type { Assignment } from '../registry/model-registry.ts';
import type { FloodExplanation } from './flood-explainer.ts';
import type { FloodModel } from './flood-model.ts';
import type { FloodRisk } from './flood-risk.type.ts';

/** A loaded version and the drift monitor that watches its inputs. */
export interface LoadedFloodVersion {
  model: FloodModel;
  drift: DriftMonitor;
}

export interface RouterOptions {
  /** `zone`: a zone always meets the same version; `request`: a whole request does. */
  canaryAssignment: 'zone' | 'request';
  /** Serve a zone's last good prediction this long after the model fails, in seconds. */
  fallbackMaxAgeSeconds: number;
}

export interface ShadowAgreement {
  champion: string;
  shadow: string;
  comparisons: number;
  levelAgreements: number;
  sumAbsDifference: number;
  maxAbsDifference: number;
  since: Date;
}

/**
 * Routes flood scoring between the versions the registry assigns: the champion answers, a canary
 * answers its share of zones (chosen by hash, so the same zone meets the same version), and a
 * shadow scores the champion's rows after the answer has gone, to be compared with it. When the
 * answering model fails or times out, each zone gets its last good prediction (if recent) or the
 * documented baseline, marked degraded with the reason.
 */
export class FloodRouter {
  private readonly loaded = new Map<string, Promise<LoadedFloodVersion>>();
  private current!: {
    champion: LoadedFloodVersion;
    canary?: { v: LoadedFloodVersion; share: number };
    shadow?: LoadedFloodVersion;
  };
  private readonly lastGood = new Map<string, { risk: FloodRisk; at: number }>();
  private shadowStats: ShadowAgreement | undefined;
  private readonly metrics: {
    comparisons: Counter<'model' | 'champion' | 'shadow'>;
    agreements: Counter<'model' | 'champion' | 'shadow'>;
    difference: Histogram<'model' | 'champion' | 'shadow'>;
    fallbacks: Counter<'model' | 'source'>;
  };

  constructor(
    readonly name: string,
    private readonly load: (version: string) => Promise<LoadedFloodVersion>,
    private readonly options: RouterOptions,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    const labelNames = ['model', 'champion', 'shadow'] as const;
    this.metrics = {
      comparisons: new Counter({
        name: 'shadow_comparisons_total',
        help: 'Rows scored by both the champion and the shadow',
        labelNames,
        registers: [registry],
      }),
      agreements: new Counter({
        name: 'shadow_level_agreements_total',
        help: 'Rows where the shadow gave the same level as the champion',
        labelNames,
        registers: [registry],
      }),
      difference: new Histogram({
        name: 'shadow_abs_difference',
        help: 'Absolute difference between the shadow and champion probabilities',
        labelNames,
        buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
        registers: [registry],
      }),
      fallbacks: new Counter({
        name: 'prediction_fallbacks_total',
        help: 'Rows answered from a fallback because the model failed or timed out',
        labelNames: ['model', 'source'],
        registers: [registry],
      }),
    };
  }

  /** Loads (once) and checks a version, without serving it. */
  async prepare(version: string): Promise<LoadedFloodVersion> {
    let loading = this.loaded.get(version);
    if (!loading) {
      loading = this.load(version);
      this.loaded.set(version, loading);
      // A version that failed to load may be fixed on disk and tried again.
      loading.catch(() => this.loaded.delete(version));
    }
    return loading;
  }

  /** Serves an assignment; every version in it must load first, so a bad one changes nothing. */
  async apply(a: Assignment): Promise<void> {
    const champion = await this.prepare(a.champion);
    const canary = a.canary ? { v: await this.prepare(a.canary.version), share: a.canary.share } : undefined;
    const shadow = a.shadow ? await this.prepare(a.shadow) : undefined;
    this.current = { champion, ...(canary ? { canary } : {}), ...(shadow ? { shadow } : {}) };
    if (shadow && (this.shadowStats?.shadow !== a.shadow || this.shadowStats?.champion !== a.champion)) {
      this.shadowStats = {
        champion: a.champion,
        shadow: shadow.model.version,
        comparisons: 0,
        levelAgreements: 0,
        sumAbsDifference: 0,
        maxAbsDifference: 0,
        since: new Date(),
      };
    }
    if (!shadow) this.shadowStats = undefined;
    this.logger.info(
      { model: this.name, champion: a.champion, canary: a.canary, shadow: a.shadow },
      'flood model assignment applied',
    );
  }

  get champion(): FloodModel {
    return this.current.champion.model;
  }

  get championDrift(): DriftMonitor {
    return this.current.champion.drift;
  }

  get assignment(): Assignment {
    const { champion, canary, shadow } = this.current;
    return {
      champion: champion.model.version,
      canary: canary ? { version: canary.v.model.version, share: canary.share } : undefined,
      shadow: shadow?.model.version,
    };
  }

  /** The champion's input schema: what feature values are validated against. */
  get features(): FeatureSpec[] {
    return this.champion.onnx.metadata.features;
  }

  shadowAgreement(): ShadowAgreement | undefined {
    return this.shadowStats ? { ...this.shadowStats } : undefined;
  }

  /**
   * Scores rows with the version each is routed to. Never throws for a model failure: failed
   * rows come back degraded with a reason (an empty input list gives an empty answer).
   */
  async score(rows: readonly ZoneFeatures[], route: { requestId?: string } = {}): Promise<FloodRisk[]> {
    if (rows.length === 0) return [];
    const { champion, canary, shadow } = this.current;
    const groups = new Map<LoadedFloodVersion, number[]>();
    rows.forEach((row, i) => {
      const key =
        this.options.canaryAssignment === 'request' && route.requestId ? route.requestId : row.zoneId;
      const target = canary && bucketOf(`${this.name}:${key}`) < canary.share ? canary.v : champion;
      groups.set(target, [...(groups.get(target) ?? []), i]);
    });
    const out = new Array<FloodRisk>(rows.length);
    await Promise.all(
      [...groups].map(async ([version, indexes]) => {
        const subset = indexes.map((i) => rows[i]!);
        let risks: FloodRisk[];
        try {
          risks = await version.model.score(subset);
        } catch (err) {
          risks = this.fallback(version.model, subset, err);
        }
        indexes.forEach((i, k) => (out[i] = risks[k]!));
      }),
    );
    const now = Date.now();
    for (const risk of out) if (!risk.degraded) this.lastGood.set(risk.zoneId, { risk, at: now });
    if (shadow) {
      const mine = rows.flatMap((row, i): [ZoneFeatures, FloodRisk][] => {
        const r = out[i]!;
        return !r.degraded && r.model.version === champion.model.version ? [[row, r]] : [];
      });
      // After the answer: the shadow never delays or changes what the caller gets.
      if (mine.length) {
        void this.compare(
          shadow,
          mine.map(([row]) => row),
          mine.map(([, r]) => r),
        );
      }
    }
    return out;
  }

  /** Explanations from the version that made each prediction; a baseline has none to give. */
  async explain(risks: readonly FloodRisk[]): Promise<FloodExplanation[]> {
    const out = new Array<FloodExplanation>(risks.length);
    const byVersion = new Map<string, number[]>();
    risks.forEach((r, i) => {
      if (r.fallback?.source === 'baseline') {
        out[i] = { baseValue: logit(r.probability), contributions: [] };
      } else {
        byVersion.set(r.model.version, [...(byVersion.get(r.model.version) ?? []), i]);
      }
    });
    await Promise.all(
      [...byVersion].map(async ([version, indexes]) => {
        const { model } = await this.prepare(version);
        const explained = await model.explain(indexes.map((i) => risks[i]!));
        indexes.forEach((i, k) => (out[i] = explained[k]!));
      }),
    );
    return out;
  }

  private fallback(model: FloodModel, rows: readonly ZoneFeatures[], err: unknown): FloodRisk[] {
    const reason = err instanceof Error ? err.message : String(err);
    const now = Date.now();
    const baseline = baselineOf(model);
    this.logger.error(
      { model: this.name, version: model.version, err: reason, rows: rows.length },
      'flood model failed, serving fallbacks',
    );
    return rows.map((row): FloodRisk => {
      const last = this.lastGood.get(row.zoneId);
      if (last && now - last.at <= this.options.fallbackMaxAgeSeconds * 1000) {
        this.metrics.fallbacks.inc({ model: this.name, source: 'last-prediction' });
        return { ...last.risk, degraded: true, fallback: { reason, source: 'last-prediction' } };
      }
      this.metrics.fallbacks.inc({ model: this.name, source: 'baseline' });
      return {
        predictionId: `baseline-${model.version}`,
        score: baseline,
        probability: baseline,
        degraded: true,
        level: model.levelOf(baseline),
        asOf: row.asOf,
        model: { name: this.name, version: 'baseline' },
        inputs: model.toRow(row),
        zoneId: row.zoneId,
        fallback: { reason, source: 'baseline' },
      };
    });
  }

  private async compare(
    shadow: LoadedFloodVersion,
    rows: ZoneFeatures[],
    answered: FloodRisk[],
  ): Promise<void> {
    const stats = this.shadowStats;
    try {
      const theirs = await shadow.model.score(rows);
      if (!stats || stats !== this.shadowStats) return;
      const labels = { model: this.name, champion: stats.champion, shadow: stats.shadow };
      theirs.forEach((s, i) => {
        const c = answered[i]!;
        const diff = Math.abs(s.probability - c.probability);
        stats.comparisons++;
        stats.sumAbsDifference += diff;
        stats.maxAbsDifference = Math.max(stats.maxAbsDifference, diff);
        this.metrics.comparisons.inc(labels);
        this.metrics.difference.observe(labels, diff);
        if (s.level === c.level) {
          stats.levelAgreements++;
          this.metrics.agreements.inc(labels);
        }
      });
    } catch (err) {
      this.logger.warn(
        { model: this.name, shadow: shadow.model.version, err: String(err) },
        'shadow scoring failed',
      );
    }
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.loaded.values());
    for (const r of all) if (r.status === 'fulfilled') await r.value.model.close();
    this.loaded.clear();
  }
}

/** A stable number in [0, 1) from a string: the first 32 bits of its SHA-256. */
export function bucketOf(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * The documented baseline: the flood rate of the training data (climatology). It knows nothing of
 * today's rain, which is why every answer that uses it says `degraded: true` and why it is only
 * used when the zone has no recent prediction of its own.
 */
export function baselineOf(model: FloodModel): number {
  const data = (
    model.onnx.metadata['metrics'] as { data?: { train_rows?: number; train_positives?: number } } | undefined
  )?.data;
  if (data?.train_rows && data.train_positives !== undefined) return data.train_positives / data.train_rows;
  return 0;
}

function logit(p: number): number {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  return Math.log(q / (1 - q));
}
