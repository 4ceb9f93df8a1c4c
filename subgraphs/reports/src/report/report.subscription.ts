import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import { REPORT_SUBMITTED, REPORT_TRIAGED } from './report.topics.ts';
import { CitizenReport } from './report.type.ts';

type ZoneFilter = { payload: CitizenReport; args: { zoneId?: string | null } };
const inZone = ({ payload, args }: ZoneFilter) => !args.zoneId || payload.zone.id === args.zoneId;

/** Through Redis the payload arrives as JSON: its dates are ISO strings again. */
function revive(report: CitizenReport): CitizenReport {
  return {
    ...report,
    createdAt: new Date(report.createdAt),
    triage: report.triage && { ...report.triage, triagedAt: new Date(report.triage.triagedAt) },
  };
}

@Resolver(() => CitizenReport)
export class ReportSubscriptionResolver {
  @Subscription(() => CitizenReport, {
    topics: REPORT_SUBMITTED,
    filter: inZone,
    description: 'Reports as they are accepted, in one zone or all.',
  })
  reportSubmitted(
    @Root() report: CitizenReport,
    @Arg('zoneId', () => ID, { nullable: true, description: 'Only reports about this zone.' })
    _zoneId?: string | null,
  ): CitizenReport {
    return revive(report);
  }

  @Subscription(() => CitizenReport, {
    topics: REPORT_TRIAGED,
    filter: inZone,
    description: 'Reports as the image model triages them (at submission, or later when it was down).',
  })
  reportTriaged(
    @Root() report: CitizenReport,
    @Arg('zoneId', () => ID, { nullable: true, description: 'Only reports about this zone.' })
    _zoneId?: string | null,
  ): CitizenReport {
    return revive(report);
  }
}
