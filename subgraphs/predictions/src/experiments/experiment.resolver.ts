import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { PredictionsContext } from '../context.ts';
import { errors } from '../errors.ts';
import { readExperimentLog } from './experiment-log.ts';
import { ExperimentRun } from './experiment.type.ts';

@Resolver()
export class ExperimentResolver {
  @Query(() => [ExperimentRun], {
    description: 'Training runs, newest first, to list and compare (params, metrics, artifacts).',
  })
  async experiments(
    @Ctx() ctx: PredictionsContext,
    @Arg('model', () => String, { nullable: true, description: 'Only runs of this model.' })
    model?: string | null,
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many, 1–200.' }) first = 20,
  ): Promise<ExperimentRun[]> {
    if (first < 1 || first > 200) {
      throw errors.BAD_USER_INPUT('first must be between 1 and 200', { argument: 'first' });
    }
    const { runs } = await readExperimentLog(ctx.experimentsFile);
    return runs
      .filter((r) => !model || r.model === model)
      .slice(0, first)
      .map((r) => ({
        model: r.model,
        version: r.version,
        startedAt: new Date(r.started_at),
        durationSeconds: r.duration_s,
        seed: r.seed,
        smoke: r.smoke,
        params: r.params,
        metrics: r.metrics,
        artifacts: r.artifacts,
        codeVersion: r.code_version,
      }));
  }
}
