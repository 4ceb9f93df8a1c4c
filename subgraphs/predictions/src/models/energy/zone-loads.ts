import type { Queryable } from '@cityassist/db';
import { OnlineStore, zoneEnergyHourly, type OnlineRow } from '@cityassist/feature-store';

/** One zone's input window as the feature store holds it, ending at the zone's anchor. */
export interface ZoneWindow {
  zoneId: string;
  /** The zone's newest hour at or before the time asked: its forecast starts there. */
  anchor: Date;
  /** `history_steps` loads (kW), oldest first, the anchor's last; NaN = no reading. */
  loads: Float64Array;
  /** The temperatures of the same hours (°C); NaN = none delivered. */
  temperatures: Float64Array;
  /** The store rows the window was read from, oldest first: what `inputs` names. */
  rows: OnlineRow[];
}

/**
 * The energy model's feature reader: each zone's recent hourly load and temperature from the
 * `zone_energy_hourly` view of the online feature store, which the energy-load pipeline fills
 * (etl/pipelines/energy-load/). Serving never computes a feature the pipeline did not load: an
 * hour the store has no row for, or a row without a load, is a missing reading.
 */
export class ZoneLoads {
  private readonly online: OnlineStore;

  constructor(
    db: Queryable,
    private readonly stepSeconds: number,
    private readonly historySteps: number,
  ) {
    this.online = new OnlineStore(db);
  }

  /**
   * Each zone's window ending at its newest row at or before `at` (default: its newest), in two
   * queries for all the zones; a zone the store has no row for is absent. Nothing later than its
   * anchor is read, so a value loaded for a later hour never reaches an earlier forecast.
   */
  async windows(zoneIds: readonly string[], at?: Date): Promise<Map<string, ZoneWindow>> {
    const newest = await this.online.latest(zoneEnergyHourly.name, zoneIds, at);
    const out = new Map<string, ZoneWindow>();
    if (newest.size === 0) return out;
    const step = this.stepSeconds * 1000;
    const n = this.historySteps;
    const anchors = [...newest.values()].map((r) => r.asOf.getTime());
    const from = new Date(Math.min(...anchors) - (n - 1) * step);
    const to = new Date(Math.max(...anchors) + 1);
    for (const [zoneId, row] of newest) {
      out.set(zoneId, {
        zoneId,
        anchor: row.asOf,
        loads: new Float64Array(n).fill(Number.NaN),
        temperatures: new Float64Array(n).fill(Number.NaN),
        rows: [],
      });
    }
    for (const row of await this.online.range(zoneEnergyHourly.name, [...newest.keys()], from, to)) {
      const w = out.get(row.entityId)!;
      const back = (w.anchor.getTime() - row.asOf.getTime()) / step;
      // Off the hourly grid or outside this zone's own window (another zone's anchor is later).
      if (!Number.isInteger(back) || back < 0 || back >= n) continue;
      const { load_kw: load, temp_c: temperature } = row.values;
      w.loads[n - 1 - back] = typeof load === 'number' ? load : Number.NaN;
      w.temperatures[n - 1 - back] = typeof temperature === 'number' ? temperature : Number.NaN;
      w.rows.push(row);
    }
    return out;
  }

}
