import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { ReportsContext } from '../context.ts';
import { CitizenReport, ReportStatus } from '../report/report.type.ts';
import { Zone } from './zone.type.ts';

@Resolver(() => Zone)
export class ZoneReportsResolver {
  // Nullable: when this subgraph is down, the zone's other fields still answer (a non-null list
  // would null the whole zone, and with it a dashboard's whole page).
  @FieldResolver(() => [CitizenReport], {
    nullable: true,
    description:
      "The zone's reports, newest first; null with SUBGRAPH_UNAVAILABLE while the reports service is down.",
  })
  reports(
    @Root() zone: Zone,
    @Ctx() ctx: ReportsContext,
    @Arg('status', () => ReportStatus, { nullable: true, description: 'Only reports in this status.' })
    status?: ReportStatus | null,
  ): Promise<CitizenReport[]> {
    return ctx.reportsByZone(status ?? null).load(zone.id);
  }
}

export const zoneReference = {
  __resolveReference: (ref: { id: string }): Zone => ({ id: ref.id }),
};

export const reportReference = {
  __resolveReference: (ref: { id: string }, ctx: ReportsContext) => ctx.reports.byId(ref.id),
};
