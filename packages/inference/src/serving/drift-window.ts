import { createHash } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import type { FeatureSpec } from '../metadata.ts';
import type {
  WindowStatistic,
  DriftEvent,
  DriftLevel,
  DriftSink,
  FeatureDrift,
  InputMonitor,
  MonitoredRow,
  StatisticState,
  WindowSummary,
} from './drift-monitor.ts';
import { psi } from './psi.ts';

/**
 * What training measured of a model's inputs per time window (`models/<name>/<version>/
 * drift_reference.json`, written by training/cityassist_training/drift_reference.py; docs/drift.md).
 */
export interface DriftReference {
  name: string;
  version: string;
  method: 'window';
  /**
   * `minRows`: the rows a slice needs, when the model's slice is not the city's 470 zones (AQI: 12
   * sensors, which DRIFT_MIN_ROWS 200 would never let count); without it, DRIFT_MIN_ROWS.
   */
  window: { hours: number; minCoverage: number; minRows?: number };
  seasons: Record<string, number[]>;
  hysteresis: { clearAfterWindows: number };
  features: Record<
    string,
    {
      histogram: { bins: number[]; counts: number[] };
      /** By season, by statistic. `psi` has no lower side. */
      thresholds: Record<string, Partial<Record<WindowStatistic, Thresholds>>>;
      alarmAfterWindows: Partial<Record<WindowStatistic, { low: number; high: number }>>;
    }
  >;
  /** Static features: every zone's exact float32 value and their SHA-256 fingerprint. */
  static: Record<string, { fingerprint: string; zones: Record<string, number> }>;
}

export interface Thresholds {
  lower?: number;
  upper: number;
  clearLower?: number;
  clearUpper: number;
}

export const WINDOW_STATISTICS = [
  'mean',
  'wetMean',
  'wetShare',
  'missingShare',
  'psi',
] as const satisfies readonly WindowStatistic[];

export interface WindowOptions {
  /** Rows a slice needs to count towards its window (a city-level summary needs the city). Default 200. */
  minRows: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

type Side = 'low' | 'high';
type State = Side | 'inside' | 'between' | 'none';

/** The window (UTC day, ms) of a slice: as_of is the end of its hour, so midnight closes the day before. */
export function windowOf(at: Date): number {
  return Math.floor((at.getTime() - 1) / DAY_MS) * DAY_MS;
}

/** A window's city-level summaries of one feature's values (NaN = missing), as drift_reference.py. */
export function windowStatistics(
  values: ArrayLike<number>,
  histogram: { bins: number[]; counts: number[] },
): Record<WindowStatistic, number> & { present: number } {
  let present = 0;
  let sum = 0;
  let wet = 0;
  let wetSum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    present++;
    sum += v;
    if (v > 0) {
      wet++;
      wetSum += v;
    }
  }
  const n = values.length;
  return {
    present,
    missingShare: n ? (n - present) / n : Number.NaN,
    mean: present ? sum / present : Number.NaN,
    wetMean: wet ? wetSum / wet : Number.NaN,
    wetShare: present ? wet / present : Number.NaN,
    psi: present ? psi(histogram, values) : Number.NaN,
  };
}

/** SHA-256 over the zones in id order: each id, a NUL, its float32 value (little endian), as Python. */
export function fingerprintOf(zones: Iterable<[string, number]>): string {
  const entries = [...zones];
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256');
  const f = new Float32Array(1);
  for (const [id, v] of entries) {
    f[0] = v;
    hash.update(Buffer.from(`${id}\0`));
    hash.update(Buffer.from(f.buffer));
  }
  return hash.digest('hex');
}

function stateOf(value: number, t: Thresholds | undefined): State {
  if (!t || Number.isNaN(value)) return 'none';
  if (value < (t.lower ?? -Infinity)) return 'low';
  if (value > t.upper) return 'high';
  if (value >= (t.clearLower ?? -Infinity) && value <= t.clearUpper) return 'inside';
  return 'between';
}

/**
 * The alarm rule (drift_reference.py `Hysteresis`): raised after `alarmAfter[side]` consecutive
 * judged windows beyond one side, cleared after `clearAfter` consecutive windows back inside the
 * clear band. A window without a value (a dry day has no wetMean) neither counts nor resets.
 */
export class Hysteresis {
  alarm = false;
  run = 0;
  side: Side | undefined;
  private inside = 0;

  constructor(
    private readonly alarmAfter: { low: number; high: number },
    private readonly clearAfter: number,
  ) {}

  step(state: State): 'raised' | 'cleared' | undefined {
    if (state === 'none') return undefined;
    if (state === 'low' || state === 'high') {
      this.run = state === this.side ? this.run + 1 : 1;
      this.side = state;
    } else {
      this.run = 0;
      this.side = undefined;
    }
    this.inside = state === 'inside' ? this.inside + 1 : 0;
    if (!this.alarm && this.side && this.run >= this.alarmAfter[this.side]) {
      this.alarm = true;
      return 'raised';
    }
    if (this.alarm && this.inside >= this.clearAfter) {
      this.alarm = false;
      return 'cleared';
    }
    return undefined;
  }

  needed(): number {
    return this.alarmAfter[this.side ?? 'high'];
  }
}

interface Judged {
  feature: string;
  level: DriftLevel;
  psi: number;
  statistics: StatisticState[];
}

/**
 * Drift of a model's inputs judged per time window, against what training measured per window
 * (issue 17 part 2; docs/drift.md). Rows arrive with their time slice (`as_of`); each UTC day is a
 * window of hourly city slices. When a later window starts, the previous one closes: if it holds
 * enough slices, each dynamic feature's city-level summaries (mean, wetMean, wetShare,
 * missingShare, psi) are compared with the season's training thresholds and fed to a hysteresis:
 * an alarm needs consecutive windows beyond, so one storm hour or one storm day is weather, not
 * drift. Static features (terrain) are checked row by row for exact equality with training. The
 * sink hears only alarm transitions (STABLE to DRIFT and back), so a restart on unchanged inputs
 * records nothing.
 */
export class WindowDriftMonitor implements InputMonitor {
  /** Slices of the open windows: slice time (ms) -> key -> inputs (a zone asked twice is one row). */
  private readonly slices = new Map<number, Map<string, Float32Array>>();
  /** The newest closed window (ms): rows of it or earlier (a query `at` a past time) are not judged. */
  private closedUntil = -Infinity;
  private newestWindow = -Infinity;
  private readonly machines = new Map<string, Hysteresis>();
  private readonly alarms = new Map<string, boolean>();
  private judged: { start: number; slices: number; features: Judged[] } | undefined;
  /** Static feature -> zones whose value differs from training (or that training never saw). */
  private readonly changed = new Map<string, Map<string, number>>();
  private readonly staticValues = new Map<string, Map<string, number>>();
  private readonly columns: { name: string; j: number; kind: 'dynamic' | 'static' }[];
  private readonly gauge: Gauge<'model' | 'version' | 'feature'>;

  constructor(
    private readonly model: { name: string; version: string; features: FeatureSpec[] },
    private readonly reference: DriftReference,
    private readonly options: WindowOptions,
    private readonly sink: DriftSink,
    registry: Registry,
  ) {
    this.columns = model.features.flatMap(
      (spec, j): { name: string; j: number; kind: 'dynamic' | 'static' }[] =>
        reference.features[spec.name]
          ? [{ name: spec.name, j, kind: 'dynamic' }]
          : reference.static[spec.name]
            ? [{ name: spec.name, j, kind: 'static' }]
            : [],
    );
    for (const c of this.columns) if (c.kind === 'static') this.changed.set(c.name, new Map());
    // Not model_feature_psi: a window's PSI against pooled hours is large on every dry day, and the
    // ModelFeatureDrift alert reads that gauge at 0.25 for the row monitors (image, versions without a reference).
    this.gauge =
      (registry.getSingleMetric('model_feature_drift_alarm') as
        Gauge<'model' | 'version' | 'feature'> | undefined) ??
      new Gauge({
        name: 'model_feature_drift_alarm',
        help: 'Whether a feature is in drift alarm (1) by the window monitor against the training windows (docs/drift.md)',
        labelNames: ['model', 'version', 'feature'],
        registers: [registry],
      });
    for (const c of this.columns) this.gauge.set(this.labels(c.name), 0);
  }

  get version(): string {
    return this.model.version;
  }

  private labels(feature: string) {
    return { model: this.model.name, version: this.model.version, feature };
  }

  /**
   * Adds scored rows to their slices; closing a window judges it. Returns nothing: the provisional
   * statistics of the open window (current()) cost O(window) and are computed only when asked
   * (modelHealth), not on every model call.
   */
  async observe(rows: readonly MonitoredRow[]): Promise<void> {
    const events: DriftEvent[] = [];
    for (const row of rows) {
      this.checkStatic(row, events);
      if (!row.at) continue;
      // The hour the row's as_of ends (training's slices are whole hours): rows pushed at 10:05 and
      // 10:40 describe the same hour of the city and are one slice, not two slices too small to count.
      const slice = Math.ceil(row.at.getTime() / HOUR_MS) * HOUR_MS;
      const window = windowOf(row.at);
      if (window <= this.closedUntil) continue;
      if (window > this.newestWindow) {
        if (this.slices.size) this.close(window, events);
        this.newestWindow = window;
      }
      let bucket = this.slices.get(slice);
      if (!bucket) this.slices.set(slice, (bucket = new Map<string, Float32Array>()));
      bucket.set(row.key ?? row.id, row.inputs);
    }
    for (const e of events) await this.sink(e);
  }

  /** Judges every open window before `before` (oldest first) and forgets its slices. */
  private close(before: number, events: DriftEvent[]): void {
    const byWindow = new Map<number, Map<string, Float32Array>[]>();
    for (const [slice, rows] of this.slices) {
      const w = windowOf(new Date(slice));
      if (w >= before) continue;
      if (rows.size >= this.options.minRows) byWindow.set(w, [...(byWindow.get(w) ?? []), rows]);
      this.slices.delete(slice);
    }
    for (const w of [...byWindow.keys()].sort((a, b) => a - b)) {
      const slices = byWindow.get(w)!;
      this.closedUntil = Math.max(this.closedUntil, w);
      // Too few slices for a city-level day (a feed that stopped): not judged, nothing counts.
      if (slices.length < this.reference.window.minCoverage * this.reference.window.hours) continue;
      this.judged = { start: w, slices: slices.length, features: this.judge(w, slices, true, events) };
    }
    this.closedUntil = Math.max(this.closedUntil, before - DAY_MS);
  }

  private seasonOf(window: number): string {
    const month = new Date(window).getUTCMonth() + 1;
    const season = Object.entries(this.reference.seasons).find(([, months]) => months.includes(month));
    if (!season) {
      throw new Error(
        `drift reference of ${this.model.name} ${this.model.version}: no season has month ${month}`,
      );
    }
    return season[0];
  }

  /** Statistics of a window per dynamic feature; with `step`, also advances the hysteresis. */
  private judge(
    window: number,
    slices: Map<string, Float32Array>[],
    step: boolean,
    events: DriftEvent[],
  ): Judged[] {
    const season = this.seasonOf(window);
    const n = slices.reduce((s, rows) => s + rows.size, 0);
    return this.columns
      .filter((c) => c.kind === 'dynamic')
      .map((c): Judged => {
        const ref = this.reference.features[c.name]!;
        const values = new Float64Array(n);
        let k = 0;
        for (const rows of slices) for (const inputs of rows.values()) values[k++] = inputs[c.j]!;
        const stats = windowStatistics(values, ref.histogram);
        // Absent everywhere: the feature's feed does not deliver (freshness alerts own that).
        const absent = stats.present === 0;
        const states: StatisticState[] = [];
        let beyond = false;
        for (const name of WINDOW_STATISTICS) {
          const t = ref.thresholds[season]?.[name];
          if (!t) continue;
          const key = `${c.name}:${name}`;
          let m = this.machines.get(key);
          if (!m) {
            m = new Hysteresis(
              ref.alarmAfterWindows[name] ?? { low: 2, high: 3 },
              this.reference.hysteresis.clearAfterWindows,
            );
            this.machines.set(key, m);
          }
          const state = absent ? 'none' : stateOf(stats[name], t);
          if (step) m.step(state);
          beyond ||= state === 'low' || state === 'high';
          states.push({
            name,
            value: stats[name],
            lower: t.lower ?? null,
            upper: t.upper,
            windowsBeyond: m.run,
            alarmAfter: m.needed(),
          });
        }
        const alarm = [...this.machines].some(([key, m]) => key.startsWith(`${c.name}:`) && m.alarm);
        if (step) this.transition(c.name, alarm, stats.psi, n, events, states);
        const level: DriftLevel = alarm ? 'DRIFT' : beyond ? 'WARNING' : 'STABLE';
        // No values (a feed that does not deliver): no PSI to speak of; 0, as the row monitor says.
        return { feature: c.name, level, psi: absent ? 0 : stats.psi, statistics: states };
      });
  }

  private transition(
    feature: string,
    alarm: boolean,
    psiValue: number,
    rows: number,
    events: DriftEvent[],
    statistics: StatisticState[],
  ): void {
    const was = this.alarms.get(feature) ?? false;
    this.alarms.set(feature, alarm);
    this.gauge.set(this.labels(feature), alarm ? 1 : 0);
    if (was === alarm) return;
    const why = statistics.filter((s) => s.windowsBeyond > 0).map((s) => s.name);
    events.push({
      model: this.model.name,
      version: this.model.version,
      feature,
      psi: Number.isFinite(psiValue) ? psiValue : 0,
      level: alarm ? 'DRIFT' : 'STABLE',
      previousLevel: alarm ? 'STABLE' : 'DRIFT',
      rows,
      at: new Date().toISOString(),
      reason: alarm
        ? `window statistics beyond their training thresholds for consecutive windows: ${why.join(', ')}`
        : 'back within the training band',
    });
  }

  /** Exact equality of a row's static features with training's value for that zone. */
  private checkStatic(row: MonitoredRow, events: DriftEvent[]): void {
    if (!row.key) return;
    for (const c of this.columns) {
      if (c.kind !== 'static') continue;
      const ref = this.reference.static[c.name]!;
      const v = row.inputs[c.j]!;
      let seen = this.staticValues.get(c.name);
      if (!seen) this.staticValues.set(c.name, (seen = new Map<string, number>()));
      seen.set(row.key, v);
      const expected = ref.zones[row.key];
      // Float32 both sides: the reference stores each value as the exact double of its float32.
      const same =
        expected !== undefined && (Object.is(Math.fround(expected), v) || Math.fround(expected) === v);
      const changed = this.changed.get(c.name)!;
      const before = changed.size;
      if (same) changed.delete(row.key);
      else changed.set(row.key, v);
      if ((before === 0) === (changed.size === 0)) continue;
      const alarm = changed.size > 0;
      this.alarms.set(c.name, alarm);
      this.gauge.set(this.labels(c.name), alarm ? 1 : 0);
      events.push({
        model: this.model.name,
        version: this.model.version,
        feature: c.name,
        psi: 0,
        level: alarm ? 'DRIFT' : 'STABLE',
        previousLevel: alarm ? 'STABLE' : 'DRIFT',
        rows: 1,
        at: new Date().toISOString(),
        reason: alarm
          ? `static feature differs from training for zone ${row.key}: ${v} (training ${expected ?? 'no such zone'})`
          : 'every zone seen equals training again',
      });
    }
  }

  /**
   * The last judged window per feature, or, before the first window closed, the open window's
   * provisional statistics (level STABLE: nothing judged yet); static features with the zones that
   * differ from training.
   */
  current(): { rows: number; features: FeatureDrift[]; window?: WindowSummary | undefined } {
    const open = [...this.slices.values()];
    const rows = open.reduce((s, r) => s + r.size, 0);
    let features: FeatureDrift[];
    let window: WindowSummary | undefined;
    if (this.judged) {
      features = this.judged.features.map((j) => ({
        ...j,
        level: this.alarms.get(j.feature) ? 'DRIFT' : j.level,
      }));
      window = { start: new Date(this.judged.start).toISOString(), slices: this.judged.slices, closed: true };
    } else if (open.length) {
      const start = windowOf(new Date(Math.min(...this.slices.keys())));
      features = this.judge(start, open, false, []).map((j) => ({ ...j, level: 'STABLE' }));
      window = { start: new Date(start).toISOString(), slices: open.length, closed: false };
    } else {
      features = [];
    }
    for (const c of this.columns) {
      if (c.kind !== 'static') continue;
      const changed = this.changed.get(c.name)!;
      const seen = this.staticValues.get(c.name);
      const ref = this.reference.static[c.name]!;
      const complete = seen !== undefined && Object.keys(ref.zones).every((z) => seen.has(z));
      features.push({
        feature: c.name,
        psi: 0,
        level: changed.size ? 'DRIFT' : 'STABLE',
        changedZones: [...changed.keys()].slice(0, 20),
        changedZoneCount: changed.size,
        fingerprintMatches: complete ? fingerprintOf(seen.entries()) === ref.fingerprint : null,
      });
    }
    return { rows, features, window };
  }
}

/** Reads and checks the fields the window monitor relies on. */
export function parseDriftReference(raw: unknown, where: string): DriftReference {
  const r = raw as Partial<DriftReference> | null;
  const problems: string[] = [];
  if (!r || typeof r !== 'object') throw new Error(`${where}: not an object`);
  if (r.method !== 'window') problems.push('method');
  if (
    !r.window ||
    typeof r.window.hours !== 'number' ||
    typeof r.window.minCoverage !== 'number' ||
    (r.window.minRows !== undefined && (!Number.isInteger(r.window.minRows) || r.window.minRows < 1))
  ) {
    problems.push('window');
  }
  if (!r.seasons || typeof r.seasons !== 'object') problems.push('seasons');
  if (!r.hysteresis || typeof r.hysteresis.clearAfterWindows !== 'number') problems.push('hysteresis');
  if (!r.features || typeof r.features !== 'object') problems.push('features');
  if (!r.static || typeof r.static !== 'object') problems.push('static');
  if (problems.length) {
    throw new Error(`${where}: drift_reference.json lacks or mistypes ${problems.join(', ')}`);
  }
  return r as DriftReference;
}
