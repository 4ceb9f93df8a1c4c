import { Ctx, Directive, Query, Resolver } from 'type-graphql';
import type { PredictionsContext } from '../../../context.ts';
import { floodModel } from '../flood.model.ts';
import { ZoneFloodLevel } from './flood-level.type.ts';

@Resolver(() => ZoneFloodLevel)
export class FloodLevelResolver {
  // One row per zone (470 in Olinda): a cheap read of the stored state, no model call.
  @Directive('@listSize(assumedSize: 500)')
  @Query(() => [ZoneFloodLevel], {
    description:
      "Every zone's current flood level, as last re-scored. Services that weigh their own data by flood risk (reports) read it at start and after missing events; floodAlerts announces its changes.",
  })
  floodLevels(@Ctx() ctx: PredictionsContext): Promise<ZoneFloodLevel[]> {
    return floodModel.served(ctx).inputs.alerter.levels();
  }
}
