import type { Answer } from '@cityassist/inference';
import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ModelRef } from '../answer.type.ts';
import type { ZoneFeatures } from './features/feature-store.ts';

export enum FloodLevel {
  LOW = 'LOW',
  MODERATE = 'MODERATE',
  HIGH = 'HIGH',
  SEVERE = 'SEVERE',
}
registerEnumType(FloodLevel, {
  name: 'FloodLevel',
  description:
    "Banded flood probability; the bands are the model's `levels` in its metadata.json (docs/models.md).",
});

@ObjectType({ description: 'Flood risk of a zone for the next hour, from the flood model.' })
export class FloodRisk {
  @Field(() => ID, {
    description: 'Stable id of this prediction: the same model and inputs always give the same id.',
  })
  predictionId!: string;

  @Field(() => Float, { description: 'Probability (0–1) that the zone floods in the next hour.' })
  score!: number;

  @Field(() => Float, { description: 'Same as score; named as in the REST contract.' })
  probability!: number;

  @Field(() => Boolean, { description: 'True when the answer comes from a fallback, not the model.' })
  degraded!: boolean;

  @Field(() => FloodLevel)
  level!: FloodLevel;

  @Field(() => Date, { description: 'Time of the features the score was computed from.' })
  asOf!: Date;

  @Field(() => ModelRef)
  model!: ModelRef;

  /** The zone scored. */
  zoneId!: string;

  /** The feature-store row it was scored from (lineage for `inputs`). */
  features!: ZoneFeatures;

  /** The router's answer it was made from: what explanations read. */
  answer!: Answer<FloodAnswer>;

  /** Why this answer is a fallback (degraded), for the error entry the response carries. */
  fallback?: { reason: string; source: 'last-prediction' | 'baseline' } | undefined;
}

/** What the flood model answers for one zone. */
export interface FloodAnswer {
  probability: number;
  level: FloodLevel;
  /** Time of the features it was computed from (a last good answer keeps its own). */
  asOf: Date;
}
