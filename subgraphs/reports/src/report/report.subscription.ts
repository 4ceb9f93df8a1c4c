import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import { CitizenReport } from './report.type.ts';

/** Topic of the event createReport publishes; the payload is the accepted report. */
export const REPORT_SUBMITTED = 'REPORT_SUBMITTED';

@Resolver(() => CitizenReport)
export class ReportSubscriptionResolver {
  @Subscription(() => CitizenReport, {
    topics: REPORT_SUBMITTED,
    filter: ({ payload, args }: { payload: CitizenReport; args: { zoneId?: string | null } }) =>
      !args.zoneId || payload.zone.id === args.zoneId,
    description: 'Reports as they are accepted, in one zone or all.',
  })
  reportSubmitted(
    @Root() report: CitizenReport,
    @Arg('zoneId', () => ID, { nullable: true, description: 'Only reports about this zone.' })
    _zoneId?: string | null,
  ): CitizenReport {
    // Through Redis the payload arrives as JSON: createdAt is an ISO string again.
    return { ...report, createdAt: new Date(report.createdAt) };
  }
}
