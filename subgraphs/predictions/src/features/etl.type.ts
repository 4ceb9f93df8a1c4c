import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A file a run read, as lineage records it.' })
export class SourceFile {
  @Field(() => String, { description: 'A path, s3://bucket/key, or inbox:<pipeline>/<name>.' })
  uri!: string;

  @Field(() => String, { description: 'SHA-256 of its bytes: the same bytes load once.' })
  sha256!: string;

  @Field(() => Float)
  bytes!: number;
}

@ObjectType({ description: 'How many rows one rule quarantined.' })
export class RuleCount {
  @Field(() => String, { description: 'e.g. unit, range:value, type:datetime, malformed.' })
  rule!: string;

  @Field(() => Int)
  rows!: number;
}

@ObjectType({ description: "One expectation of the pipeline's suite, as this run measured it." })
export class ExpectationOutcome {
  @Field(() => String)
  rule!: string;

  @Field(() => String, { description: 'row (quarantines rows), critical (fails the run) or warning.' })
  severity!: string;

  @Field(() => Boolean)
  passed!: boolean;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Rows it failed, or the measured value.' })
  observed!: unknown;

  @Field(() => String, { nullable: true })
  detail!: string | null;
}

@ObjectType()
export class RunError {
  @Field(() => String, { description: 'A code from the ETL error catalogue (docs/data-platform.md).' })
  code!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType({ description: 'One run of a pipeline: ingest → validate → transform → load.' })
export class EtlRun {
  @Field(() => ID)
  runId!: string;

  @Field(() => String)
  pipeline!: string;

  @Field(() => String, {
    description: 'running, succeeded, failed, rejected (a critical expectation failed) or duplicate.',
  })
  status!: string;

  @Field(() => String, { description: 'start, cli, schedule, api, backfill.' })
  trigger!: string;

  @Field(() => String, { description: 'Who asked: a hashed caller id or the schedule; never a raw user id.' })
  requestedBy!: string;

  @Field(() => [SourceFile])
  sources!: SourceFile[];

  @Field(() => String, { description: "The deploy's version and a hash of the pipeline's code." })
  codeVersion!: string;

  @Field(() => Float)
  rowsRead!: number;

  @Field(() => Float)
  rowsLoaded!: number;

  @Field(() => Float)
  rowsQuarantined!: number;

  @Field(() => [RuleCount])
  quarantine!: RuleCount[];

  @Field(() => [ExpectationOutcome])
  expectations!: ExpectationOutcome[];

  @Field(() => [String], { description: 'The dataset versions the run wrote (none unless it succeeded).' })
  datasetVersions!: string[];

  @Field(() => RunError, { nullable: true })
  error!: RunError | null;

  @Field(() => Int, { description: 'Attempts: more than 1 when a job was retried after a crash.' })
  attempts!: number;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
}

@ObjectType({ description: 'What one run added to one feature view, with its lineage.' })
export class DatasetVersion {
  @Field(() => ID, { description: '<feature view>@<UTC time>.<hash>' })
  datasetVersion!: string;

  @Field(() => String)
  featureView!: string;

  @Field(() => ID)
  runId!: string;

  @Field(() => String)
  pipeline!: string;

  @Field(() => String)
  createdBy!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => [SourceFile])
  sources!: SourceFile[];

  @Field(() => [String], { description: 'Dataset versions of other views it was computed from.' })
  inputs!: string[];

  @Field(() => String)
  codeVersion!: string;

  @Field(() => Float)
  rowCount!: number;

  @Field(() => Float, { description: 'Rows also written to the online store (the recent window).' })
  onlineRows!: number;

  @Field(() => Date, { nullable: true })
  timeMin!: Date | null;

  @Field(() => Date, { nullable: true })
  timeMax!: Date | null;

  @Field(() => String, { description: 'Where its Parquet files are (offline store).' })
  offlineUri!: string;
}

@ObjectType()
export class FeatureColumn {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  unit!: string;

  @Field(() => String)
  description!: string;
}

@ObjectType({
  description: 'A feature view: defined once, filled by pipelines, read by serving and training.',
})
export class FeatureViewInfo {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'zone or sensor.' })
  entity!: string;

  @Field(() => String)
  description!: string;

  @Field(() => [FeatureColumn])
  features!: FeatureColumn[];

  @Field(() => String, { nullable: true, description: 'The newest dataset version.' })
  latestVersion!: string | null;

  @Field(() => Date, { nullable: true, description: 'The newest as_of in the online store.' })
  newestAsOf!: Date | null;

  @Field(() => Int)
  versions!: number;
}
