import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum DriftLevel {
  STABLE = 'STABLE',
  WARNING = 'WARNING',
  DRIFT = 'DRIFT',
}
registerEnumType(DriftLevel, {
  name: 'DriftLevel',
  description:
    'Row monitor: PSI below 0.1 is STABLE, from 0.1 WARNING, from 0.25 DRIFT (DRIFT_WARNING_PSI, DRIFT_PSI). Window monitor (docs/drift.md): WARNING while the judged window is beyond a threshold, DRIFT once the alarm is raised (consecutive windows beyond, or a static feature that differs from training).',
});

@ObjectType({
  description:
    'One city-level summary of a judged time window against the training windows of its season (docs/drift.md).',
})
export class DriftStatistic {
  @Field(() => String, {
    description: 'mean, wetMean (mean of the values above zero), wetShare, missingShare or psi.',
  })
  name!: string;

  @Field(() => Float, {
    nullable: true,
    description: 'Null when the window has no such value (a dry day has no wetMean).',
  })
  value!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "The training windows' 0.5th percentile (null for psi: no lower side).",
  })
  lower!: number | null;

  @Field(() => Float, { description: "The training windows' 99.5th percentile (psi: 99th)." })
  upper!: number;

  @Field(() => Int, { description: 'Consecutive judged windows beyond one side of the thresholds.' })
  windowsBeyond!: number;

  @Field(() => Int, {
    description: 'Consecutive windows beyond that raise the alarm (from the training windows).',
  })
  alarmAfter!: number;
}

@ObjectType({ description: "How far one feature's live inputs have moved from the training data." })
export class FeatureDrift {
  @Field(() => String)
  feature!: string;

  @Field(() => Float, {
    description:
      'Population Stability Index against the training reference histogram: of the row window (row monitor) or of the judged time window (window monitor; 0 for static features).',
  })
  psi!: number;

  @Field(() => DriftLevel)
  level!: DriftLevel;

  @Field(() => [DriftStatistic], {
    nullable: true,
    description:
      'Window monitor: the judged window against the thresholds; null for the row monitor and static features.',
  })
  statistics!: DriftStatistic[] | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Window monitor, static features (terrain): zones whose value differs from training (exact equality).',
  })
  changedZoneCount!: number | null;

  @Field(() => [String], { nullable: true, description: 'Up to 20 of those zones.' })
  changedZones!: string[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      "Window monitor, static features: the SHA-256 of every zone's value equals training's; null until every zone was seen.",
  })
  fingerprintMatches!: boolean | null;
}

@ObjectType({
  description: 'The time window a window monitor last judged (or the open one, before any closed).',
})
export class DriftWindow {
  @Field(() => Date, { description: 'Its start: a UTC day of hourly slices.' })
  start!: Date;

  @Field(() => Int, { description: 'Hourly city slices it holds.' })
  slices!: number;

  @Field(() => Boolean, { description: 'False while it is still open: its statistics are provisional.' })
  closed!: boolean;
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

  @Field(() => Int, {
    description:
      'Distinct input rows in the sliding window (ROWS), or in the open time window not yet judged (WINDOW).',
  })
  windowRows!: number;

  @Field(() => [FeatureDrift], { description: 'Empty until the window holds enough rows (DRIFT_MIN_ROWS).' })
  drift!: FeatureDrift[];

  @Field(() => String, {
    description:
      "How drift is judged: WINDOW (per time window against the version's drift_reference.json, docs/drift.md) or ROWS (PSI of the recent rows against the metadata histograms).",
  })
  driftMethod!: string;

  @Field(() => DriftWindow, { nullable: true, description: 'WINDOW only: the window `drift` describes.' })
  driftWindow!: DriftWindow | null;
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

  @Field(() => String, { nullable: true, description: 'Why the level changed (window monitor), in words.' })
  reason!: string | null;
}
