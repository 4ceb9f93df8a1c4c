import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum DriftLevel {
  STABLE = 'STABLE',
  WARNING = 'WARNING',
  DRIFT = 'DRIFT',
}
registerEnumType(DriftLevel, {
  name: 'DriftLevel',
  description: 'PSI below 0.1 is STABLE, from 0.1 WARNING, from 0.25 DRIFT (DRIFT_WARNING_PSI, DRIFT_PSI).',
});

@ObjectType({ description: "How far one feature's live inputs have moved from the training data." })
export class FeatureDrift {
  @Field(() => String)
  feature!: string;

  @Field(() => Float, { description: 'Population Stability Index against the training reference histogram.' })
  psi!: number;

  @Field(() => DriftLevel)
  level!: DriftLevel;
}

@ObjectType({ description: 'A served model and how its inputs compare with its training data.' })
export class ModelHealth {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  version!: string;

  @Field(() => Int, { description: 'Distinct input rows in the sliding window.' })
  windowRows!: number;

  @Field(() => [FeatureDrift], { description: 'Empty until the window holds enough rows (DRIFT_MIN_ROWS).' })
  drift!: FeatureDrift[];
}

@ObjectType({ description: "A feature's drift level changed." })
export class DriftAlert {
  @Field(() => String)
  model!: string;

  @Field(() => String)
  version!: string;

  @Field(() => String)
  feature!: string;

  @Field(() => Float)
  psi!: number;

  @Field(() => DriftLevel)
  level!: DriftLevel;

  @Field(() => DriftLevel)
  previousLevel!: DriftLevel;

  @Field(() => Int)
  windowRows!: number;

  @Field(() => Date)
  at!: Date;
}
