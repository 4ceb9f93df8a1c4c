import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Directive, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import type { PredictionsContext } from '../context.ts';
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
}

export const zoneReference = {
  __resolveReference: (ref: { id: string }): Zone => ({ id: ref.id }),
};
