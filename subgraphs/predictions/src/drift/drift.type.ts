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

@ObjectType({
  description: 'How a shadow version compares with the champion on the rows the champion answered.',
})
export class ShadowAgreement {
  @Field(() => String)
  version!: string;

  @Field(() => Int, {
    description:
      'Rows both scored since the shadow started (traffic-weighted: a zone asked twice counts twice).',
  })
  comparisons!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      "Share of rows where the shadow agreed with the champion (flood: same level; aqi: same category of the first hour; energy: the first hour within the champion's 90% interval); null before the first comparison.",
  })
  levelAgreement!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Mean absolute difference of the answers, in the model's unit (flood: probability; aqi: µg/m³ of the first hour; energy: kW of the first hour).",
  })
  meanAbsoluteDifference!: number | null;

  @Field(() => Float, { nullable: true })
  maxAbsoluteDifference!: number | null;

  @Field(() => Date)
  since!: Date;
}

@ObjectType({
  description:
    'A served model: which versions serve, how its inputs compare with its training data, and how a shadow agrees.',
})
export class ModelHealth {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'The champion version (its drift is what `drift` shows).' })
  version!: string;

  @Field(() => String, { nullable: true, description: 'The canary version, if one answers a share.' })
  canary!: string | null;

  @Field(() => Float, { nullable: true })
  canaryShare!: number | null;

  @Field(() => ShadowAgreement, { nullable: true, description: 'Null when no shadow runs.' })
  shadow!: ShadowAgreement | null;

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
