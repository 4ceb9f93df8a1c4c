import { Directive, Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { Answer } from '@cityassist/inference';
import { ModelRef } from '../answer.type.ts';
import type { EnergyAnswer } from './energy.model.ts';
import type { ZoneWindow } from './zone-loads.ts';

@ObjectType({ description: 'One hourly step of an energy-demand forecast.' })
export class EnergyPoint {
  @Field(() => Date, { description: 'The hour forecast (UTC): asOf + h hours for step h.' })
  at!: Date;

  @Field(() => Float, { description: "Point forecast of the zone's mean load over the hour, in `unit`." })
  value!: number;

  @Field(() => Float, { description: 'Lower end of the 90% prediction interval (conformal), in `unit`.' })
  lower!: number;

  @Field(() => Float, { description: 'Upper end of the 90% prediction interval (conformal), in `unit`.' })
  upper!: number;
}

@ObjectType({
  description:
    "Short-term electricity demand of a zone: its next hours from the energy model, with 90% intervals, from the zone's hourly load and temperature in the feature store (zone_energy_hourly). The committed extract is simulated, driven by real temperature and the zone's real population, until a city's meter feed is loaded (docs/energy-demand.md).",
})
export class EnergyDemand {
  @Field(() => ID, {
    description: 'Stable id of this forecast: the same model and inputs always give the same id.',
  })
  forecastId!: string;

  // Demand control: the list is `hours` long, 24 at most; the gateway would assume 50.
  @Directive('@listSize(assumedSize: 24)')
  @Field(() => [EnergyPoint], { description: 'The steps asked for, hour 1 first.' })
  points!: EnergyPoint[];

  @Field(() => ModelRef)
  model!: ModelRef;

  @Field(() => Date, {
    description: "The forecast's anchor: the hour of the newest load reading; step h is asOf + h hours.",
  })
  asOf!: Date;

  @Field(() => String, { description: 'Unit of value, lower and upper (kW).' })
  unit!: string;

  @Field(() => Int, { description: 'Hourly load readings missing among the last 24 up to asOf.' })
  missingReadings!: number;

  @Field(() => Boolean, {
    description:
      "True when the model failed and the answer is a fallback: the zone's last good forecast (within FALLBACK_MAX_AGE_SECONDS) or the documented baseline (the same hour last week); an error entry says why.",
  })
  degraded!: boolean;

  /** The zone asked about. */
  zoneId!: string;
  /** The router's answer it was made from: what explanations read. */
  answer!: Answer<EnergyAnswer>;
  /** The row's recent level (the `level` input), which turns the trees' ratios into kW. */
  level!: number;
  /** The feature-store rows the forecast was made from (lineage for `inputs`). */
  window!: ZoneWindow;
  /** Why this answer is a fallback (degraded), for the error entry the response carries. */
  fallback?: { reason: string; source: 'last-prediction' | 'baseline' } | undefined;
}
