import { isZoneId } from '@cityassist/geo';
import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { ReportsContext } from '../context.ts';
import { errors } from '../errors.ts';
import { REPORT_SUBMITTED } from './report.subscription.ts';
import { CitizenReport, CreateReportInput, MAX_DESCRIPTION_LENGTH } from './report.type.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Resolver(() => CitizenReport)
export class ReportResolver {
  @Query(() => CitizenReport, { nullable: true, description: 'The report with this id, or null.' })
  async report(
    @Ctx() ctx: ReportsContext,
    @Arg('id', () => ID) id: string,
  ): Promise<CitizenReport | undefined> {
    if (!UUID.test(id)) throw errors.BAD_USER_INPUT('id is not a report id (a UUID)', { argument: 'id' });
    return ctx.reports.byId(id);
  }

  @Directive('@requiresScopes(scopes: [["reports:write"]])')
  @Mutation(() => CitizenReport, {
    description: 'Accepts a report; it starts OPEN. Needs scope reports:write.',
  })
  async createReport(
    @Ctx() ctx: ReportsContext,
    @Arg('input', () => CreateReportInput) input: CreateReportInput,
  ): Promise<CitizenReport> {
    const description = input.description.trim();
    if (description.length === 0 || description.length > MAX_DESCRIPTION_LENGTH) {
      throw errors.BAD_USER_INPUT(`description must be 1–${MAX_DESCRIPTION_LENGTH} characters`, {
        argument: 'input.description',
      });
    }
    if (!isZoneId(input.zoneId)) {
      throw errors.BAD_USER_INPUT('zoneId is malformed', { argument: 'input.zoneId' });
    }
    if (!ctx.zones.has(input.zoneId)) throw errors.ZONE_NOT_FOUND(`no zone has id ${input.zoneId}`);
    const report = await ctx.reports.create({ ...input, description });
    ctx.logger.info(
      { reportId: report.id, zoneId: report.zone.id, category: report.category },
      'report accepted',
    );
    // The report is stored before anyone hears of it; a lost event loses no report.
    ctx.events.pubSub.publish(REPORT_SUBMITTED, report);
    return report;
  }
}
