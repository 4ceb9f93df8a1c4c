import { Ctx, Directive, FieldResolver, Resolver, Root } from 'type-graphql';
import type { PredictionsContext } from '../context.ts';
import { FloodRisk } from '../flood/flood-risk.type.ts';
import { Zone } from './zone.type.ts';

@Resolver(() => Zone)
export class ZonePredictionsResolver {
  // Demand control: a model input row and a share of one inference call, so weigh it above a column.
  @Directive('@cost(weight: 5)')
  @FieldResolver(() => FloodRisk, {
    nullable: true,
    description:
      'Flood risk from the newest features of the zone; null with an error when it cannot be computed.',
  })
  floodRisk(@Root() zone: Zone, @Ctx() ctx: PredictionsContext): Promise<FloodRisk> {
    return ctx.floodRisk.load(zone.id);
  }
}

export const zoneReference = {
  __resolveReference: (ref: { id: string }): Zone => ({ id: ref.id }),
};
