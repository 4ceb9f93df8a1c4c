import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Hold-out figures of one model version, as its training measured them.' })
export class TimeHoldoutMetrics {
  @Field(() => Float, { nullable: true })
  rocAuc!: number | null;

  @Field(() => Float, { nullable: true, description: 'Average precision: the headline for rare floods.' })
  prAuc!: number | null;

  @Field(() => Float, { nullable: true })
  brier!: number | null;

  @Field(() => Int, { nullable: true, description: 'Hold-out rows.' })
  n!: number | null;

  @Field(() => Int, { nullable: true, description: 'Hold-out positives (flooded zone-hours).' })
  positives!: number | null;
}

@ObjectType({ description: 'The blocked space-and-time cross-validation of the training period.' })
export class CrossValidationMetrics {
  @Field(() => Float, { nullable: true })
  rocAuc!: number | null;

  @Field(() => Float, { nullable: true })
  prAuc!: number | null;
}

@ObjectType({ description: "A version's headline metrics (metadata.json `metrics`)." })
export class RetrainingMetrics {
  @Field(() => TimeHoldoutMetrics, { description: 'The hold-out after the training period.' })
  timeHoldout!: TimeHoldoutMetrics;

  @Field(() => CrossValidationMetrics)
  spaceTimeCv!: CrossValidationMetrics;

  @Field(() => Float, { nullable: true, description: 'The decision threshold training chose.' })
  threshold!: number | null;
}

@ObjectType({
  description: 'ROC-AUC, average precision (PR-AUC) and Brier score of one version on given rows.',
})
export class BinaryScores {
  @Field(() => Float, { nullable: true })
  rocAuc!: number | null;

  @Field(() => Float, { nullable: true })
  prAuc!: number | null;

  @Field(() => Float, { nullable: true })
  brier!: number | null;
}

@ObjectType({
  description:
    "The candidate and the champion scored by ONNX Runtime on the same rows: the candidate's hold-out in the run's training export.",
})
export class SameHoldout {
  @Field(() => String, { description: 'The first hour of the hold-out.' })
  holdoutStart!: string;

  @Field(() => Int)
  rows!: number;

  @Field(() => Int)
  positives!: number;

  @Field(() => Int, {
    nullable: true,
    description: "The candidate's test vectors, reproduced by ONNX Runtime before it was registered.",
  })
  candidateTestVectors!: number | null;

  @Field(() => BinaryScores)
  candidate!: BinaryScores;

  @Field(() => BinaryScores, {
    nullable: true,
    description: 'Null when the champion reads a feature the export does not hold.',
  })
  champion!: BinaryScores | null;
}

@ObjectType({
  description:
    'One batch retraining run: what started it, the candidate it trained on the feature store as it was, and its metrics beside the champion. A candidate is registered SHADOW, never promoted (promoteModel does that).',
})
export class RetrainingRun {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  model!: string;

  @Field(() => String, {
    description:
      'drift (a drift trigger), degradation (a degradation trigger), schedule, or manual (an operator).',
  })
  triggerKind!: string;

  @Field(() => [ID], { description: 'The retraining triggers this run consumed (each starts one run).' })
  triggerIds!: string[];

  @Field(() => String, { description: 'Who or what asked: the worker schedule, cli:<kind>, …' })
  requestedBy!: string;

  @Field(() => String, { description: 'running, succeeded or failed.' })
  status!: string;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => String, { description: 'The training config (a committed file).' })
  config!: string;

  @Field(() => Boolean, { description: 'A smoke run (tests): small simulation and settings.' })
  smoke!: boolean;

  @Field(() => String, { nullable: true, description: 'The champion when the run started.' })
  championVersion!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The version trained, now SHADOW; null unless succeeded.',
  })
  candidateVersion!: string | null;

  @Field(() => [String], {
    description: 'The feature-store dataset versions the training set was read from.',
  })
  datasetVersions!: string[];

  @Field(() => Int, { nullable: true, description: 'Rows of the point-in-time training export.' })
  trainingRows!: number | null;

  @Field(() => RetrainingMetrics, { nullable: true })
  candidateMetrics!: RetrainingMetrics | null;

  @Field(() => RetrainingMetrics, {
    nullable: true,
    description: "The champion's metrics from its own training (its metadata.json), for comparison.",
  })
  championMetrics!: RetrainingMetrics | null;

  @Field(() => SameHoldout, {
    nullable: true,
    description:
      'Both versions on the same rows (the metadata figures above come from different hold-outs): what to compare before promoting.',
  })
  sameHoldout!: SameHoldout | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Seconds per step (export, train, publish).' })
  durations!: unknown;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'Where the candidate was published (bucket, prefix, manifest sha256), when it was.',
  })
  published!: unknown;

  @Field(() => String, { nullable: true, description: 'Why it failed.' })
  error!: string | null;
}
