import { Arg, Ctx, Directive, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { ReportsContext } from '../context.ts';
import { errors } from '../errors.ts';
import { ReportStatus } from '../report/report.enums.ts';
import { actorOf, assertReportId } from '../report/report.resolver.ts';
import { CitizenReport } from '../report/report.type.ts';
import { ReportTransition } from './workflow.type.ts';

/** Longest note on a transition, in characters. */
export const MAX_NOTE_LENGTH = 1000;

@Resolver(() => CitizenReport)
export class WorkflowResolver {
  @Directive('@requiresScopes(scopes: [["reports:manage"]])')
  @Mutation(() => CitizenReport, {
    description:
      'Moves a report along its workflow (OPEN → TRIAGED → IN_PROGRESS → RESOLVED, or to REJECTED before it is resolved) and records who did it. Needs scope reports:manage.',
  })
  async transitionReport(
    @Ctx() ctx: ReportsContext,
    @Arg('id', () => ID) id: string,
    @Arg('to', () => ReportStatus) to: ReportStatus,
    @Arg('note', () => String, { nullable: true, description: `Why, up to ${MAX_NOTE_LENGTH} characters.` })
    note?: string | null,
  ): Promise<CitizenReport> {
    assertReportId(id);
    const text = note?.trim() || null;
    if (text && text.length > MAX_NOTE_LENGTH) {
      throw errors.BAD_USER_INPUT(`note may be at most ${MAX_NOTE_LENGTH} characters`, { argument: 'note' });
    }
    if (!(await ctx.workflow.transition(id, to, actorOf(ctx), text))) {
      throw errors.REPORT_NOT_FOUND(`no report has id ${id}`);
    }
    ctx.logger.info({ reportId: id, to }, 'report status changed');
    return (await ctx.reports.byId(id))!;
  }

  // Notes are free text and actors identify staff: only callers allowed to read reports see them.
  @Directive('@requiresScopes(scopes: [["reports:read"]])')
  @FieldResolver(() => [ReportTransition], {
    description: 'Every change of status, oldest first: the audit trail. Needs scope reports:read.',
  })
  history(@Root() report: CitizenReport, @Ctx() ctx: ReportsContext): Promise<ReportTransition[]> {
    return ctx.historyByReport.load(report.id);
  }
}
