import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import { FloodLevel } from '../flood-risk.type.ts';
import { FloodAlert } from './flood-alert.type.ts';
import { FLOOD_ALERT, LEVEL_RANK } from './flood-alerter.ts';

interface AlertArgs {
  minLevel: FloodLevel;
  zoneIds?: string[] | null;
}

@Resolver(() => FloodAlert)
export class FloodAlertResolver {
  @Subscription(() => FloodAlert, {
    topics: FLOOD_ALERT,
    // A subscriber to HIGH hears a zone entering HIGH or SEVERE, and leaving them again.
    filter: ({ payload, args }: { payload: FloodAlert; args: AlertArgs }) =>
      Math.max(LEVEL_RANK[payload.level], LEVEL_RANK[payload.previousLevel]) >= LEVEL_RANK[args.minLevel] &&
      (!args.zoneIds?.length || args.zoneIds.includes(payload.zone.id)),
    description: 'Zones whose flood level changed, after new features or a scheduled re-score.',
  })
  floodAlerts(
    @Root() alert: FloodAlert,
    @Arg('minLevel', () => FloodLevel, {
      defaultValue: FloodLevel.HIGH,
      description: 'Only changes that touch this level or above.',
    })
    _minLevel: FloodLevel,
    @Arg('zoneIds', () => [ID], { nullable: true, description: 'Only these zones.' })
    _zoneIds?: string[] | null,
  ): FloodAlert {
    // Through Redis the payload arrives as JSON: asOf is an ISO string again.
    return { ...alert, asOf: new Date(alert.asOf) };
  }
}
