import { Arg, Ctx, Directive, Int, Query, Resolver } from 'type-graphql';
import type { PredictionsContext } from '../context.ts';
import { errors } from '../errors.ts';
import { listRuns } from './retraining-job.ts';
import { RetrainingRun } from './retraining-run.type.ts';

@Resolver()
export class RetrainingResolver {
  // The gateway's cost analysis sizes the list by `first` (default 20).
  @Directive('@listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)')
  @Query(() => [RetrainingRun], {
    description:
      'Batch retraining runs, newest first: trigger, candidate (registered SHADOW), its metrics beside the champion, or why it failed (docs/retraining.md).',
  })
  async retrainingRuns(
    @Ctx() ctx: PredictionsContext,
    @Arg('model', () => String, { nullable: true, description: 'Only runs of this model.' })
    model?: string | null,
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many, 1–200.' }) first = 20,
  ): Promise<RetrainingRun[]> {
    if (first < 1 || first > 200) {
      throw errors.BAD_USER_INPUT('first must be between 1 and 200', { argument: 'first' });
    }
    return listRuns(ctx.db, model ?? undefined, first);
  }
}
