import { Field, Float, ObjectType, registerEnumType } from 'type-graphql';

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

@ObjectType({ description: 'Flood risk of a zone for the next hour, from the flood model.' })
export class FloodRisk {
  @Field(() => Float, { description: 'Probability (0–1) that the zone floods in the next hour.' })
  score!: number;

  @Field(() => FloodLevel)
  level!: FloodLevel;

  @Field(() => Date, { description: 'Time of the features the score was computed from.' })
  asOf!: Date;

  @Field(() => ModelRef)
  model!: ModelRef;
}
