import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Directive, FieldResolver, Info, Int, Resolver, Root } from 'type-graphql';
import { noteIfAqiDegraded } from '../aqi/aqi-forecast.resolver.ts';
import { AqiForecast } from '../aqi/aqi-forecast.type.ts';
import type { PredictionsContext } from '../context.ts';
import { errors } from '../errors.ts';
import { FloodRisk } from '../flood/flood-risk.type.ts';
import { noteIfDegraded } from '../plugins/degraded-answers.plugin.ts';
import { Zone } from './zone.type.ts';

@Resolver(() => Zone)
export class ZonePredictionsResolver {
  // Demand control: a model input row and a share of one inference call, so weigh it above a column.
  @Directive('@cost(weight: 5)')
  @FieldResolver(() => FloodRisk, {
    nullable: true,
    description:
      "Flood risk from the zone's features (the newest, or as of `at`); null with an error when it cannot be computed.",
  })
  async floodRisk(
    @Root() zone: Zone,
    @Ctx() ctx: PredictionsContext,
    @Info() info: GraphQLResolveInfo,
    @Arg('at', () => Date, {
      nullable: true,
      description: 'From the features as of this time. Default: the newest.',
    })
    at?: Date | null,
  ): Promise<FloodRisk> {
    return noteIfDegraded(ctx, info, await ctx.floodRisk(at ?? undefined).load(zone.id));
  }

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
    const horizons = ctx.aqi.model.spec.horizons;
    if (!Number.isInteger(hours) || hours < 1 || hours > horizons) {
      throw errors.BAD_USER_INPUT(`hours must be between 1 and ${horizons}`, { argument: 'hours' });
    }
    const forecast = await ctx.aqiForecast.load(zone.id);
    return noteIfAqiDegraded(ctx, info, { ...forecast, points: forecast.points.slice(0, hours) });
  }
}

export const zoneReference = {
  __resolveReference: (ref: { id: string }): Zone => ({ id: ref.id }),
};
