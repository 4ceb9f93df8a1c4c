import { createHash } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { InputMonitor } from './drift-monitor.ts';
import type { Explanation, RawOutputs, ServedModel } from './served-model.ts';

/**
 * The serving interface the machinery routes between, whatever the model: the tabular
 * `ServedModel` (outputs per row, TreeSHAP) and the image model's adapter implement it. `Raw` is
 * one row's outputs as the model gives them.
 */
export interface Servable<Raw = RawOutputs> {
  readonly name: string;
  readonly version: string;
  /** One prediction per input row: its id (version + exact inputs) and its outputs. */
  predict(rows: readonly Float32Array[]): Promise<{ id: string; raw: Raw }[]>;
  /** Explanations of answered rows, when the model explains apart from predicting. */
  explain?(items: readonly { id: string; inputs: Float32Array }[], target?: number): Promise<Explanation[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The outputs type of a Servable. */
export type RawOf<M> = M extends Servable<infer R> ? R : never;

/** Which versions of one model serve (what the registry stores and every replica applies). */
export interface Assignment {
  champion: string;
  canary?: { version: string; share: number } | undefined;
  shadow?: string | undefined;
}

/**
 * What a model is, as the machinery needs to know it: the one thing written per model. `Row` is
 * what its feature reader gives (a zone's features, a sensor's window), `Out` what it answers.
 */
export interface ModelDefinition<Row, Out, M extends Servable<unknown> = ServedModel> {
  name: string;
  /** The prefix of its prediction ids (`pred-…` for flood: clients see them). */
  idPrefix: string;
  /** What a canary's share and a fallback's last answer are keyed by (a zone, a sensor). */
  keyOf(row: Row): string;
  /** The model's input row: its features in the model's order, NaN where missing. */
  inputsOf(row: Row, model: M): Float32Array;
  /** The answer from one row's outputs. */
  answer(raw: RawOf<M>, row: Row, model: M): Out;
  /**
   * The documented answer when the model fails and the key has no recent answer of its own.
   * Without one, a failure is the caller's to handle (`score` throws): a photo's triage has no
   * baseline to guess, its report waits for the model instead.
   */
  baseline?(row: Row, model: M): Out;
  /** How far a shadow's answer is from the champion's, and whether they agree (same level, …). */
  compare(champion: Out, shadow: Out): { difference: number; agree: boolean };
  /** The output column explanations are of (a horizon, a class's margin). Default 0. */
  explainTarget?: number;
  /**
   * The values its drift monitor watches, in the order of the version's `features`: by default
   * the input row itself; a model whose input is no feature row (a photo) names what stands for
   * it (its brightness, the answer's confidence).
   */
  monitored?(row: Row, output: Out): Float32Array;
  /**
   * The time slice a row describes (a zone's features `as_of`): a window drift monitor judges the
   * city's inputs per time window, not per row (docs/drift.md). Without it rows carry no time;
   * with it, a row it gives no time (a what-if) is not watched at all.
   */
  sliceOf?(row: Row): Date | undefined;
}

/** One row's answer, with where it came from. */
export interface Answer<Out> {
  /** The prediction id: model version + exact inputs (a fallback keeps the id it falls back to). */
  id: string;
  key: string;
  /** The version that answered: `baseline` for the documented fallback. */
  version: string;
  output: Out;
  inputs: Float32Array;
  degraded: boolean;
  fallback?: { reason: string; source: 'last-prediction' | 'baseline' } | undefined;
}

/** A loaded version: the model and the drift monitor that watches its inputs. */
export interface LoadedVersion<M extends Servable<unknown> = ServedModel> {
  model: M;
  drift?: InputMonitor | undefined;
}

export interface ShadowAgreement {
  champion: string;
  shadow: string;
  comparisons: number;
  agreements: number;
  sumAbsDifference: number;
  maxAbsDifference: number;
  since: Date;
}

export interface RouterOptions {
  /** `key`: a key always meets the same version; `request`: a whole request does. */
  canaryAssignment: 'key' | 'request';
  /** Serve a key's last good answer this long after the model fails, in seconds. */
  fallbackMaxAgeSeconds: number;
}

/** What the router logs through (pino's and Hive's loggers both fit). */
export interface RouterLogger {
  info(attrs: object, msg: string): void;
  warn(attrs: object, msg: string): void;
  error(attrs: object, msg: string): void;
}

/**
 * Routes one model's rows between the versions the registry assigns, for any model: the champion
 * answers, a canary answers its share of keys (by hash, so a zone meets the same version every
 * time), and a shadow scores the champion's rows after the answer has gone, to be compared with it.
 * When the answering version fails or misses its deadline, each row gets its key's last good answer
 * (if recent) or the model's documented baseline, marked degraded with the reason. Every answered
 * row goes to its version's drift monitor.
 */
export class ModelRouter<Row, Out, M extends Servable<unknown> = ServedModel> {
  private readonly loaded = new Map<string, Promise<LoadedVersion<M>>>();
  private current:
    | {
        champion: LoadedVersion<M>;
        canary?: { v: LoadedVersion<M>; share: number };
        shadow?: LoadedVersion<M>;
      }
    | undefined;
  private readonly lastGood = new Map<string, { answer: Answer<Out>; at: number }>();
  private shadowStats: ShadowAgreement | undefined;
  private readonly metrics: RouterMetrics;

  constructor(
    readonly definition: ModelDefinition<Row, Out, M>,
    private readonly load: (version: string) => Promise<LoadedVersion<M>>,
    private readonly options: RouterOptions,
    private readonly logger: RouterLogger,
    registry: Registry,
  ) {
    this.metrics = routerMetrics(registry);
  }

  get name(): string {
    return this.definition.name;
  }

  /** Loads (once) and checks a version, without serving it. */
  prepare(version: string): Promise<LoadedVersion<M>> {
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
    // A shadow answers nobody: one this replica cannot load (a retraining candidate whose files it
    // lacks) is left out with an error, and the champion serves on; a champion or canary must load.
    const shadow = a.shadow
      ? await this.prepare(a.shadow).catch((err: unknown) => {
          this.logger.error(
            { model: this.name, shadow: a.shadow, err: String(err) },
            'shadow version could not be loaded: serving without it',
          );
          return undefined;
        })
      : undefined;
    this.current = { champion, ...(canary ? { canary } : {}), ...(shadow ? { shadow } : {}) };
    if (shadow && (this.shadowStats?.shadow !== a.shadow || this.shadowStats?.champion !== a.champion)) {
      this.shadowStats = {
        champion: a.champion,
        shadow: shadow.model.version,
        comparisons: 0,
        agreements: 0,
        sumAbsDifference: 0,
        maxAbsDifference: 0,
        since: new Date(),
      };
    }
    if (!shadow) this.shadowStats = undefined;
    this.logger.info(
      { model: this.name, champion: a.champion, canary: a.canary, shadow: shadow?.model.version },
      'model assignment applied',
    );
  }

  private get assigned() {
    if (!this.current) throw new Error(`model ${this.name} has no assignment applied yet`);
    return this.current;
  }

  get champion(): M {
    return this.assigned.champion.model;
  }

  get championDrift(): InputMonitor | undefined {
    return this.assigned.champion.drift;
  }

  get assignment(): Assignment {
    const { champion, canary, shadow } = this.assigned;
    return {
      champion: champion.model.version,
      canary: canary ? { version: canary.v.model.version, share: canary.share } : undefined,
      shadow: shadow?.model.version,
    };
  }

  shadowAgreement(): ShadowAgreement | undefined {
    return this.shadowStats ? { ...this.shadowStats } : undefined;
  }

  /**
   * Answers every row with the version it is routed to. Never throws for a model failure: failed
   * rows come back degraded with a reason.
   */
  async score(rows: readonly Row[], route: { requestId?: string | undefined } = {}): Promise<Answer<Out>[]> {
    if (rows.length === 0) return [];
    const { champion, canary, shadow } = this.assigned;
    const def = this.definition;
    const groups = new Map<LoadedVersion<M>, number[]>();
    rows.forEach((row, i) => {
      const key =
        this.options.canaryAssignment === 'request' && route.requestId ? route.requestId : def.keyOf(row);
      const target = canary && bucketOf(`${this.name}:${key}`) < canary.share ? canary.v : champion;
      const group = groups.get(target);
      if (group) group.push(i);
      else groups.set(target, [i]);
    });
    const out = new Array<Answer<Out>>(rows.length);
    await Promise.all(
      [...groups].map(async ([version, indexes]) => {
        const subset = indexes.map((i) => rows[i]!);
        let answers: Answer<Out>[];
        try {
          answers = await this.answer(version, subset);
        } catch (err) {
          answers = this.fallback(version.model, subset, err);
        }
        indexes.forEach((i, k) => (out[i] = answers[k]!));
      }),
    );
    const now = Date.now();
    // A model without fallbacks keeps no last answers: its keys (a report, a photo) need not repeat.
    if (def.baseline) for (const a of out) if (!a.degraded) this.lastGood.set(a.key, { answer: a, at: now });
    if (shadow) {
      const mine = rows.flatMap((row, i): [Row, Answer<Out>][] => {
        const a = out[i]!;
        return !a.degraded && a.version === champion.model.version ? [[row, a]] : [];
      });
      // After the answer: the shadow never delays or changes what the caller gets.
      if (mine.length) void this.compare(shadow, mine);
    }
    return out;
  }

  /** Explanations from the version that made each answer; a baseline has none to give. */
  async explain(answers: readonly Answer<Out>[]): Promise<(Explanation | undefined)[]> {
    const out = new Array<Explanation | undefined>(answers.length);
    const byVersion = new Map<string, number[]>();
    answers.forEach((a, i) => {
      if (a.fallback?.source === 'baseline') out[i] = undefined;
      else {
        const group = byVersion.get(a.version);
        if (group) group.push(i);
        else byVersion.set(a.version, [i]);
      }
    });
    await Promise.all(
      [...byVersion].map(async ([version, indexes]) => {
        const { model } = await this.prepare(version);
        if (!model.explain) return;
        const explained = await model.explain(
          indexes.map((i) => answers[i]!),
          this.definition.explainTarget ?? 0,
        );
        indexes.forEach((i, k) => (out[i] = explained[k]!));
      }),
    );
    return out;
  }

  private async answer(version: LoadedVersion<M>, rows: readonly Row[]): Promise<Answer<Out>[]> {
    const { model, drift } = version;
    const def = this.definition;
    const inputs = rows.map((r) => def.inputsOf(r, model));
    const predictions = await model.predict(inputs);
    const answers = predictions.map((p, i): Answer<Out> => ({
      id: p.id,
      key: def.keyOf(rows[i]!),
      version: model.version,
      output: def.answer(p.raw as RawOf<M>, rows[i]!, model),
      inputs: inputs[i]!,
      degraded: false,
    }));
    const watched = answers.flatMap((a, i) => {
      const at = def.sliceOf?.(rows[i]!);
      if (def.sliceOf && !at) return [];
      return [
        { id: a.id, inputs: def.monitored ? def.monitored(rows[i]!, a.output) : a.inputs, key: a.key, at },
      ];
    });
    drift
      ?.observe(watched)
      .catch((err: unknown) =>
        this.logger.warn({ model: this.name, err: String(err) }, 'drift monitoring failed'),
      );
    return answers;
  }

  private fallback(model: M, rows: readonly Row[], err: unknown): Answer<Out>[] {
    const def = this.definition;
    const baseline = def.baseline?.bind(def);
    if (!baseline) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    const now = Date.now();
    this.logger.error(
      { model: this.name, version: model.version, err: reason, rows: rows.length },
      'model failed, serving fallbacks',
    );
    // On the span of whatever asked (a request's resolver, a re-score): why its answers are degraded.
    trace.getActiveSpan()?.addEvent('model.fallback', {
      'model.name': this.name,
      'model.version': model.version,
      'model.rows': rows.length,
      'error.type': err instanceof Error ? err.name : 'Error',
    });
    return rows.map((row): Answer<Out> => {
      const key = def.keyOf(row);
      const last = this.lastGood.get(key);
      if (last && now - last.at <= this.options.fallbackMaxAgeSeconds * 1000) {
        this.metrics.fallbacks.inc({ model: this.name, source: 'last-prediction' });
        return { ...last.answer, degraded: true, fallback: { reason, source: 'last-prediction' } };
      }
      this.metrics.fallbacks.inc({ model: this.name, source: 'baseline' });
      return {
        id: `baseline-${model.version}`,
        key,
        version: 'baseline',
        output: baseline(row, model),
        inputs: def.inputsOf(row, model),
        degraded: true,
        fallback: { reason, source: 'baseline' },
      };
    });
  }

  private async compare(shadow: LoadedVersion<M>, pairs: [Row, Answer<Out>][]): Promise<void> {
    const stats = this.shadowStats;
    try {
      const theirs = await this.answer(
        shadow,
        pairs.map(([row]) => row),
      );
      if (!stats || stats !== this.shadowStats) return;
      const labels = { model: this.name, champion: stats.champion, shadow: stats.shadow };
      theirs.forEach((s, i) => {
        const { difference, agree } = this.definition.compare(pairs[i]![1].output, s.output);
        stats.comparisons++;
        stats.sumAbsDifference += difference;
        stats.maxAbsDifference = Math.max(stats.maxAbsDifference, difference);
        this.metrics.comparisons.inc(labels);
        this.metrics.difference.observe(labels, difference);
        if (agree) {
          stats.agreements++;
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

type RouterLabels = 'model' | 'champion' | 'shadow';

interface RouterMetrics {
  comparisons: Counter<RouterLabels>;
  agreements: Counter<RouterLabels>;
  difference: Histogram<RouterLabels>;
  fallbacks: Counter<'model' | 'source'>;
}

const metricsByRegistry = new WeakMap<Registry, RouterMetrics>();

/** The routers' metrics: one set per registry whatever the number of models (label `model`). */
function routerMetrics(registry: Registry): RouterMetrics {
  const existing = metricsByRegistry.get(registry);
  if (existing) return existing;
  const labelNames = ['model', 'champion', 'shadow'] as const;
  const metrics: RouterMetrics = {
    comparisons: new Counter({
      name: 'shadow_comparisons_total',
      help: 'Rows scored by both the champion and the shadow',
      labelNames,
      registers: [registry],
    }),
    agreements: new Counter({
      name: 'shadow_level_agreements_total',
      help: 'Rows where the shadow agreed with the champion (same level, class or category)',
      labelNames,
      registers: [registry],
    }),
    difference: new Histogram({
      name: 'shadow_abs_difference',
      help: "Absolute difference between the shadow's and the champion's answers, in the model's unit",
      labelNames,
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 5, 20, 100],
      registers: [registry],
    }),
    fallbacks: new Counter({
      name: 'prediction_fallbacks_total',
      help: 'Rows answered from a fallback because the model failed or timed out',
      labelNames: ['model', 'source'],
      registers: [registry],
    }),
  };
  metricsByRegistry.set(registry, metrics);
  return metrics;
}
