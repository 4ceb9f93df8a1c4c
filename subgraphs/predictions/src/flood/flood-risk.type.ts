import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';

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

@ObjectType({ description: 'Which model produced a prediction.' })
export class ModelRef {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  version!: string;
}

@ObjectType({
  description:
    "One feature's share of a prediction (exact TreeSHAP, in the model's margin: log-odds for floodRisk, the trees' ratio for aqiForecast).",
})
export class FeatureContribution {
  @Field(() => String)
  feature!: string;

  @Field(() => Float, { nullable: true, description: 'The input value; null when it was missing.' })
  value!: number | null;

  @Field(() => Float, {
    description:
      "Contribution to the model's margin; the contributions plus baseValue sum to it (floodRisk: the logit of probability).",
  })
  contribution!: number;
}

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

  /** The model's input row, in its feature order (NaN = missing); explanations are computed from it. */
  inputs!: Float32Array;

  /** The zone scored. */
  zoneId!: string;

  /** Why this answer is a fallback (degraded), for the error entry the response carries. */
  fallback?: { reason: string; source: 'last-prediction' | 'baseline' } | undefined;
}
