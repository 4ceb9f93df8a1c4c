import { buildFederatedSchema } from '@cityassist/service-kit';
import type { GraphQLSchema } from 'graphql';
import { ReportResolver } from './report/report.resolver.ts';
import { reportReference, zoneReference, ZoneReportsResolver } from './zone/zone.resolver.ts';

export function buildReportsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [ReportResolver, ZoneReportsResolver] },
    { Zone: zoneReference, CitizenReport: reportReference },
  );
}
