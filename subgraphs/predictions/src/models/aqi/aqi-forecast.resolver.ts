import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Directive, FieldResolver, Float, Info, Int, Resolver, Root } from 'type-graphql';
import type { PredictionsContext } from '../../context.ts';
import { errors } from '../../errors.ts';
import { noteIfDegraded } from '../../plugins/degraded-answers.plugin.ts';
import { Zone } from '../../zone/zone.type.ts';
import { FeatureContribution } from '../answer.type.ts';
import { assertTop, MAX_TOP, topContributions } from '../explain.ts';
import { FeatureInput, featureInputsOf } from '../../features/feature-input.type.ts';
import { AqiForecast } from './aqi-forecast.type.ts';
import { aqiModel, aqiVersionOf } from './aqi.model.ts';

@Resolver(() => Zone)
export class ZoneAqiResolver {
  // Like floodRisk: a share of one model call (and of one readings query) per zone.
  @Directive('@cost(weight: 5)')
  @FieldResolver(() => AqiForecast, {
    nullable: true,
    description:
      "Air-quality (PM2.5) forecast for the next hours from the zone's nearest sensor; null with FORECAST_UNAVAILABLE when there is no sensor near it or too few recent readings.",
  })
  async aqiForecast(
    @Root() zone: Zone,
    @Ctx() ctx: PredictionsContext,
    @Info() info: GraphQLResolveInfo,
    @Arg('hours', () => Int, { defaultValue: 24, description: 'Hourly steps, 1–24.' }) hours: number,
  ): Promise<AqiForecast> {
    const { horizons } = aqiVersionOf(aqiModel.served(ctx).router.champion).spec;
    if (!Number.isInteger(hours) || hours < 1 || hours > horizons) {
      throw errors.BAD_USER_INPUT(`hours must be between 1 and ${horizons}`, { argument: 'hours' });
    }
    const forecast = await aqiModel.scope(ctx).aqiForecast.load(zone.id);
    return noteIfDegraded(ctx, info, { ...forecast, points: forecast.points.slice(0, hours) }, 'air-quality forecast');
  }
}

@Resolver(() => AqiForecast)
export class AqiForecastResolver {
  // One per hour of the sensor's window (168 hours for the served model): above the assumed 50.
  @Directive('@listSize(assumedSize: 168)')
  @FieldResolver(() => [FeatureInput], {
    description:
      "What the forecast read from the feature store (sensor_pm_hourly): the sensor's readings of `parameter` in its window up to asOf, oldest first, each with the dataset version and files it came from (api:<caller> for a pushed reading). An hour without a reading is not listed (the model read it as missing).",
  })
  async inputs(@Root() forecast: AqiForecast, @Ctx() ctx: PredictionsContext): Promise<FeatureInput[]> {
    const rows = forecast.readings.map((r) => ({
      asOf: r.at,
      values: { [forecast.parameter]: r.value },
      datasetVersion: r.datasetVersion,
    }));
    return featureInputsOf(rows, [forecast.parameter], aqiModel.scope(ctx).lineage);
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description:
      "The trees' expected output for the first step over their training data: the explanation starts here. Null when degraded (no model answered).",
  })
  async baseValue(@Root() forecast: AqiForecast, @Ctx() ctx: PredictionsContext): Promise<number | null> {
    if (forecast.degraded) return null;
    return (await aqiModel.scope(ctx).explanations.load(forecast.answer))?.baseValue ?? null;
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
    assertTop(top);
    if (forecast.degraded) return [];
    return topContributions(await aqiModel.scope(ctx).explanations.load(forecast.answer), top);
  }
}
