import { Gauge, type Registry } from 'prom-client';
import type { FeatureSpec } from '../metadata.ts';
import { psi } from './psi.ts';

export type DriftLevel = 'STABLE' | 'WARNING' | 'DRIFT';

export interface DriftOptions {
  /** PSI at or above which a feature is WARNING. Default 0.1. */
  warning: number;
  /** PSI at or above which a feature is DRIFT and a retraining trigger is recorded. Default 0.25. */
  drift: number;
  /** Live rows kept per model (a sliding window). Default 2000. */
  window: number;
  /** Fewest rows before PSI is computed at all (small samples give noisy PSI). Default 200. */
  minRows: number;
}

export interface FeatureDrift {
  feature: string;
  /** Row monitor: PSI of the row window. Window monitor: PSI of the judged window (0 for static features). */
  psi: number;
  level: DriftLevel;
  /** Window monitor: the judged window's statistics against the season's thresholds. */
  statistics?: StatisticState[] | undefined;
  /** Window monitor, static features: (up to 20 of) the zones whose value differs from training. */
  changedZones?: string[] | undefined;
  changedZoneCount?: number | undefined;
  /** Window monitor, static features: SHA-256 of every zone's value equals training's (null until every zone was seen). */
  fingerprintMatches?: boolean | null | undefined;
}

export type WindowStatistic = 'mean' | 'wetMean' | 'wetShare' | 'missingShare' | 'psi';

export interface StatisticState {
  name: WindowStatistic;
  value: number;
  lower: number | null;
  upper: number;
  /** Consecutive judged windows beyond one side of the thresholds. */
  windowsBeyond: number;
  /** Windows beyond that raise the alarm, on the side it is beyond (the high side otherwise). */
  alarmAfter: number;
}

/** The time window a window monitor's statistics describe. */
export interface WindowSummary {
  /** Start of the window (UTC day). */
  start: string;
  /** Hourly slices it holds. */
  slices: number;
  /** False while the window is open: its statistics are provisional, not judged. */
  closed: boolean;
}

/** One row as the router hands it over: its id, inputs, key (a zone) and time slice (`as_of`). */
export interface MonitoredRow {
  id: string;
  inputs: Float32Array;
  key?: string | undefined;
  at?: Date | undefined;
}

/** What every input monitor offers the router and modelHealth, whichever method it uses. */
export interface InputMonitor {
  readonly version: string;
  observe(rows: readonly MonitoredRow[]): Promise<unknown>;
  current(): { rows: number; features: FeatureDrift[]; window?: WindowSummary | undefined };
}

export interface DriftEvent {
  model: string;
  version: string;
  feature: string;
  psi: number;
  level: DriftLevel;
  previousLevel: DriftLevel;
  rows: number;
  at: string;
  /** Why the level changed, in words (window monitor). */
  reason?: string | undefined;
}

/**
 * Where a change of drift level goes: the service publishes it (driftDetected) and, at DRIFT,
 * records a retraining trigger. Its failure never fails a prediction.
 */
export type DriftSink = (event: DriftEvent) => Promise<void>;

/**
 * Compares the inputs a model has been scoring (a sliding window of rows) with the training
 * distribution in its metadata.json, feature by feature, by PSI. A feature whose level changes is
 * handed to the sink: the service raises a DriftDetected event and, at DRIFT, records a retraining
 * trigger, the brief's "data drift threshold" retraining rule. Every served model gets one per
 * version (router.ts), whatever it predicts.
 */
export class DriftMonitor implements InputMonitor {
  /** Distinct input rows by prediction id, oldest first: asking twice about one row is one row. */
  private readonly rows = new Map<string, Float32Array>();
  private readonly levels = new Map<string, DriftLevel>();
  private readonly gauge: Gauge<'model' | 'version' | 'feature'>;
  private latest: FeatureDrift[] = [];

  constructor(
    private readonly model: { name: string; version: string; features: FeatureSpec[] },
    private readonly options: DriftOptions,
    private readonly sink: DriftSink,
    registry: Registry,
  ) {
    // One gauge for every monitored version (label `version`): the registry holds it once.
    this.gauge =
      (registry.getSingleMetric('model_feature_psi') as Gauge<'model' | 'version' | 'feature'> | undefined) ??
      new Gauge({
        name: 'model_feature_psi',
        help: 'Population Stability Index of live inputs against the training reference, per feature',
        labelNames: ['model', 'version', 'feature'],
        registers: [registry],
      });
  }

  get version(): string {
    return this.model.version;
  }

  /** Adds scored rows (by their prediction id) to the window and re-evaluates drift. */
  async observe(scored: readonly MonitoredRow[]): Promise<FeatureDrift[]> {
    for (const { id, inputs } of scored) {
      this.rows.delete(id);
      this.rows.set(id, inputs);
    }
    for (const key of this.rows.keys()) {
      if (this.rows.size <= this.options.window) break;
      this.rows.delete(key);
    }
    if (this.rows.size < this.options.minRows) return this.latest;
    const window = [...this.rows.values()];
    const drift: FeatureDrift[] = [];
    this.model.features.forEach((spec, j) => {
      if (!spec.reference) return;
      const column = Float32Array.from(window, (row) => row[j]!);
      const value = psi(spec.reference, column);
      const level: DriftLevel =
        value >= this.options.drift ? 'DRIFT' : value >= this.options.warning ? 'WARNING' : 'STABLE';
      drift.push({ feature: spec.name, psi: value, level });
      this.gauge.set({ model: this.model.name, version: this.model.version, feature: spec.name }, value);
    });
    this.latest = drift;
    for (const d of drift) {
      const previous = this.levels.get(d.feature) ?? 'STABLE';
      this.levels.set(d.feature, d.level);
      if (previous === d.level) continue;
      const event: DriftEvent = {
        model: this.model.name,
        version: this.model.version,
        feature: d.feature,
        psi: d.psi,
        level: d.level,
        previousLevel: previous,
        rows: this.rows.size,
        at: new Date().toISOString(),
      };
      await this.sink(event);
    }
    return drift;
  }

  /** The newest PSI per feature (empty until `minRows` rows were seen). */
  current(): { rows: number; features: FeatureDrift[] } {
    return { rows: this.rows.size, features: this.latest };
  }
}
