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
 * Zones → their windows of load and temperature → one scoring pass for all of them → a forecast
 * per zone. A zone gets its own FORECAST_UNAVAILABLE error when the snapshot has no loads for it
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
    route: { requestId?: string | undefined } = {},
  ): Promise<(EnergyDemand | GraphQLError)[]> {
    // The champion's rules build every row; a canary or shadow passed the same worked windows.
    const version = energyVersionOf(this.router.champion);
    const { spec } = version;
    const anchor = this.loads.anchor;
    const temps = this.loads.temperatures;
    const rows = new Map<string, ZoneLoadRow | { valid: number }>();
    for (const zoneId of new Set(zoneIds)) {
      const loads = this.loads.loadsOf(zoneId);
      if (!loads) continue;
      const inputs = windowFeatures(loads, temps, anchor, spec);
      const valid = loads.subarray(loads.length - spec.season).filter((v) => Number.isFinite(v)).length;
      rows.set(zoneId, inputs ? { zoneId, anchor, inputs, missing: spec.season - valid } : { valid });
    }
    const scorable = [...rows.values()].filter((r): r is ZoneLoadRow => 'inputs' in r);
    const answers = await this.router.score(scorable, route);
    const scored = new Map(scorable.map((r, i) => [r.zoneId, answers[i]!]));

    return zoneIds.map((zoneId) => {
      const row = rows.get(zoneId);
      if (!row) {
        return errors.FORECAST_UNAVAILABLE(`no load readings of zone ${zoneId} in ${this.loads.file}`, {
          zoneId,
          reason: 'no-readings',
        });
      }
      const answer = scored.get(zoneId);
      if (!answer) {
        const valid = 'valid' in row ? row.valid : 0;
        return errors.FORECAST_UNAVAILABLE(
          `zone ${zoneId} has ${valid} valid load readings among the ${spec.season} hours up to ${anchor.toISOString()}; the model needs ${version.minReadings}`,
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
        fallback: answer.fallback,
      };
    });
  }
}
