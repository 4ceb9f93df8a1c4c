import type { EventBus } from '@cityassist/events';
import { buildFederatedSchema } from '@cityassist/service-kit';
import type { GraphQLSchema } from 'graphql';
import { PhotoResolver } from './photo/photo.resolver.ts';
import { ReportResolver } from './report/report.resolver.ts';
import { ReportSubscriptionResolver } from './report/report.subscription.ts';
import { ClassifyResolver } from './triage/classify.resolver.ts';
import { TriageExplanationResolver } from './triage/triage.resolver.ts';
import { WorkflowResolver } from './workflow/workflow.resolver.ts';
import { reportReference, zoneReference, ZoneReportsResolver } from './zone/zone.resolver.ts';

export function buildReportsSchema(pubSub: EventBus['pubSub']): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [
        ReportResolver,
        ReportSubscriptionResolver,
        WorkflowResolver,
        PhotoResolver,
        TriageExplanationResolver,
        ZoneReportsResolver,
        ClassifyResolver,
      ],
      pubSub,
    },
    { Zone: zoneReference, CitizenReport: reportReference },
  );
}
