import { Arg, Ctx, FieldResolver, Float, Int, Resolver, Root } from 'type-graphql';
import type { PredictionsContext } from '../context.ts';
import { errors } from '../errors.ts';
import { topContributions } from './flood-explainer.ts';
import { FeatureContribution, FloodRisk } from './flood-risk.type.ts';

/** Most contributions one explain field returns. */
const MAX_TOP = 50;

@Resolver(() => FloodRisk)
export class FloodRiskResolver {
  @FieldResolver(() => Float, {
    description: "The model's expected log-odds over its training data: the explanations start from here.",
  })
  async baseValue(@Root() risk: FloodRisk, @Ctx() ctx: PredictionsContext): Promise<number> {
    return (await ctx.explanations.load(risk)).baseValue;
  }

  @FieldResolver(() => [FeatureContribution], {
    description:
      'The features that moved this prediction most, by absolute TreeSHAP contribution (exact, from the served ONNX file).',
  })
  async explain(
    @Root() risk: FloodRisk,
    @Ctx() ctx: PredictionsContext,
    @Arg('top', () => Int, { defaultValue: 5, description: `How many, 1–${MAX_TOP}.` }) top: number,
  ): Promise<FeatureContribution[]> {
    if (top < 1 || top > MAX_TOP) {
      throw errors.BAD_USER_INPUT(`top must be between 1 and ${MAX_TOP}`, { argument: 'top' });
    }
    return topContributions((await ctx.explanations.load(risk)).contributions, top);
  }
}
