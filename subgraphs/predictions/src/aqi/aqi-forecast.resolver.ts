import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Directive, FieldResolver, Float, Int, Resolver, Root } from 'type-graphql';
import type { PredictionsContext } from '../context.ts';
import { errors } from '../errors.ts';
import { topContributions } from '../flood/flood-explainer.ts';
import { FeatureContribution } from '../flood/flood-risk.type.ts';
import { AqiForecast } from './aqi-forecast.type.ts';

/** Most contributions one explain field returns (the model reads 31 features). */
const MAX_TOP = 50;

@Resolver(() => AqiForecast)
export class AqiForecastResolver {
  @FieldResolver(() => Float, {
    nullable: true,
    description:
      "The trees' expected output for the first step over their training data: the explanation starts here. Null when degraded (no model answered).",
  })
  async baseValue(@Root() forecast: AqiForecast, @Ctx() ctx: PredictionsContext): Promise<number | null> {
    if (forecast.degraded) return null;
    return (await ctx.aqiExplanations.load(forecast)).baseValue;
  }

  @Directive('@listSize(slicingArguments: ["top"], requireOneSlicingArgument: false)')
  @FieldResolver(() => [FeatureContribution], {
    description:
      "Why the first step (next hour) is what it is: exact TreeSHAP from the served ONNX file, largest |contribution| first. Contributions are in the trees' output space, a ratio to the recent level: baseValue + Σ contributions is the forecast's change of y[t+1]/level from its base (r_lag_0, else r_mean_3, else 1), and points[0].value = level × (base + baseValue + Σ contributions) when positive. Empty when degraded.",
  })
  async explain(
    @Root() forecast: AqiForecast,
    @Ctx() ctx: PredictionsContext,
    @Arg('top', () => Int, { defaultValue: 5, description: `How many, 1–${MAX_TOP}.` }) top: number,
  ): Promise<FeatureContribution[]> {
    if (top < 1 || top > MAX_TOP) {
      throw errors.BAD_USER_INPUT(`top must be between 1 and ${MAX_TOP}`, { argument: 'top' });
    }
    if (forecast.degraded) return [];
    return topContributions((await ctx.aqiExplanations.load(forecast)).contributions, top);
  }
}

/** Passes a forecast through, noting it for the response's `errors` when it is a fallback. */
export function noteIfAqiDegraded(
  ctx: PredictionsContext,
  info: GraphQLResolveInfo,
  forecast: AqiForecast,
): AqiForecast {
  if (forecast.degraded && forecast.fallback) {
    ctx.degraded.push({
      path: responsePathAsArray(info.path),
      message: `air-quality forecast of zone ${forecast.zoneId} is a fallback (${forecast.fallback.source}): ${forecast.fallback.reason}`,
      extensions: { zoneId: forecast.zoneId, fallback: forecast.fallback.source, model: forecast.model },
    });
  }
  return forecast;
}
