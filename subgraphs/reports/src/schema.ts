import type { EventBus } from '@cityassist/events';
import { buildFederatedSchema } from '@cityassist/service-kit';
import type { GraphQLSchema } from 'graphql';
import { ReportResolver } from './report/report.resolver.ts';
import { ReportSubscriptionResolver } from './report/report.subscription.ts';
import { reportReference, zoneReference, ZoneReportsResolver } from './zone/zone.resolver.ts';

export function buildReportsSchema(pubSub: EventBus['pubSub']): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [ReportResolver, ReportSubscriptionResolver, ZoneReportsResolver], pubSub },
    { Zone: zoneReference, CitizenReport: reportReference },
  );
}
