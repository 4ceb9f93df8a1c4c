import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One training run from the experiment log (training/experiments/runs.jsonl).' })
export class ExperimentRun {
  @Field(() => String)
  model!: string;

  @Field(() => String)
  version!: string;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Float)
  durationSeconds!: number;

  @Field(() => Int)
  seed!: number;

  @Field(() => Boolean, { description: 'A CI smoke run on tiny data.' })
  smoke!: boolean;

  @Field(() => GraphQLJSON, { description: 'The run configuration.' })
  params!: unknown;

  @Field(() => GraphQLJSON, { description: 'Evaluation metrics as training wrote them.' })
  metrics!: unknown;

  @Field(() => GraphQLJSON, { description: 'Files the run wrote, with hashes.' })
  artifacts!: unknown;

  @Field(() => GraphQLJSON, { description: 'Git commit and hashes of the training code.' })
  codeVersion!: unknown;
}
