import type { ModelRouter } from '@cityassist/inference';
import type { GraphQLError } from 'graphql';
import { errors } from '../../errors.ts';
import type { EnergyDemand } from './energy-demand.type.ts';
import { energyVersionOf, type EnergyAnswer } from './energy.model.ts';
import { windowFeatures } from './energy-features.ts';
import type { ZoneLoads } from './zone-loads.ts';

/** One zone's model input: the row its last week of loads gives, anchored at the newest hour. */
export interface ZoneLoadRow {
  zoneId: string;
  anchor: Date;
  inputs: Float32Array;
  /** Loads missing among the last day up to the anchor. */
  missing: number;
}

/**
 * Zones → their windows of load and temperature in the feature store → one scoring pass for all of
 * them → a forecast per zone. Each zone's window ends at its own newest hour (at or before `at`
 * when asked). A zone gets its own FORECAST_UNAVAILABLE error when the store has no loads for it
 * or too few recent ones; when the model fails the router answers each zone with its last good
 * forecast or the documented baseline, degraded.
 */
export class EnergyForecaster {
  constructor(
    readonly router: ModelRouter<ZoneLoadRow, EnergyAnswer>,
    readonly loads: ZoneLoads,
  ) {}

  async forecastZones(
    zoneIds: readonly string[],
    route: { requestId?: string | undefined; at?: Date | undefined } = {},
  ): Promise<(EnergyDemand | GraphQLError)[]> {
    // The champion's rules build every row; a canary or shadow passed the same worked windows.
    const version = energyVersionOf(this.router.champion);
    const { spec } = version;
    const windows = await this.loads.windows([...new Set(zoneIds)], route.at);
    const rows = new Map<string, ZoneLoadRow | { valid: number; anchor: Date }>();
    for (const [zoneId, w] of windows) {
      const inputs = windowFeatures(w.loads, w.temperatures, w.anchor, spec);
      const valid = w.loads.subarray(w.loads.length - spec.season).filter((v) => Number.isFinite(v)).length;
      rows.set(
        zoneId,
        inputs ? { zoneId, anchor: w.anchor, inputs, missing: spec.season - valid } : { valid, anchor: w.anchor },
      );
    }
    const scorable = [...rows.values()].filter((r): r is ZoneLoadRow => 'inputs' in r);
    const answers = await this.router.score(scorable, { requestId: route.requestId });
    const scored = new Map(scorable.map((r, i) => [r.zoneId, answers[i]!]));

    return zoneIds.map((zoneId) => {
      const row = rows.get(zoneId);
      const window = windows.get(zoneId);
      if (!row || !window) {
        const when = route.at ? ` at or before ${route.at.toISOString()}` : '';
        return errors.FORECAST_UNAVAILABLE(`no load readings of zone ${zoneId} in the feature store${when}`, {
          zoneId,
          reason: 'no-readings',
        });
      }
      const answer = scored.get(zoneId);
      if (!answer) {
        const valid = 'valid' in row ? row.valid : 0;
        return errors.FORECAST_UNAVAILABLE(
          `zone ${zoneId} has ${valid} valid load readings among the ${spec.season} hours up to ${row.anchor.toISOString()}; the model needs ${version.minReadings}`,
          { zoneId, reason: 'too-few-readings', validReadings: valid },
        );
      }
      return {
        forecastId: answer.id,
        points: answer.output.points,
        model: { name: 'energy', version: answer.version },
        asOf: answer.output.asOf,
        unit: version.unit,
        missingReadings: answer.output.missingReadings,
        degraded: answer.degraded,
        zoneId,
        answer,
        level: answer.inputs[version.at.level]!,
        window,
        fallback: answer.fallback,
      };
    });
  }
}
