import { isZoneId } from '@cityassist/geo';
import { decodeCursor, discardUpload, encodeCursor } from '@cityassist/service-kit';
import { GraphQLUpload, type FileUpload } from 'graphql-upload-minimal';
import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { ReportsContext } from '../context.ts';
import { errors } from '../errors.ts';
import { idempotencyScopeOf, type IdempotencyScope } from './idempotency.ts';
import {
  CitizenReport,
  CreateReportInput,
  ReportConnection,
  ReportFilter,
  SubmitReportInput,
} from './report.type.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_KIND = 'report';
/** Largest page of `reports`. */
export const MAX_PAGE_SIZE = 100;

export function assertReportId(id: string, argument = 'id'): void {
  if (!UUID.test(id)) throw errors.BAD_USER_INPUT(`${argument} is not a report id (a UUID)`, { argument });
}

/** Who acts, for the audit trail: the hashed id the gateway forwarded (never a raw user id). */
export const actorOf = (ctx: ReportsContext): string => ctx.principal?.id ?? 'anonymous';

@Resolver(() => CitizenReport)
export class ReportResolver {
  @Query(() => CitizenReport, { nullable: true, description: 'The report with this id, or null.' })
  async report(
    @Ctx() ctx: ReportsContext,
    @Arg('id', () => ID) id: string,
  ): Promise<CitizenReport | undefined> {
    assertReportId(id);
    return ctx.reports.byId(id);
  }

  @Directive(
    '@listSize(slicingArguments: ["first"], sizedFields: ["edges"], requireOneSlicingArgument: false, assumedSize: 20)',
  )
  @Query(() => ReportConnection, { description: 'Reports, newest first, a page at a time.' })
  async reports(
    @Ctx() ctx: ReportsContext,
    @Arg('filter', () => ReportFilter, { nullable: true }) filter?: ReportFilter | null,
    @Arg('first', () => Int, { defaultValue: 20, description: `Page size, 1–${MAX_PAGE_SIZE}.` })
    first = 20,
    @Arg('after', () => String, { nullable: true, description: 'endCursor of the previous page.' })
    after?: string | null,
  ): Promise<ReportConnection> {
    if (first < 1 || first > MAX_PAGE_SIZE) {
      throw errors.BAD_USER_INPUT(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, {
        argument: 'first',
      });
    }
    let afterSeq: string | undefined;
    if (after != null) {
      afterSeq = decodeCursor(CURSOR_KIND, after);
      if (afterSeq === undefined || !/^\d{1,19}$/.test(afterSeq)) {
        throw errors.BAD_USER_INPUT('after is not a cursor of this list', { argument: 'after' });
      }
    }
    if (filter?.zoneId != null && !isZoneId(filter.zoneId)) {
      throw errors.BAD_USER_INPUT('filter.zoneId is malformed', { argument: 'filter.zoneId' });
    }
    const criteria = filter ?? {};
    const [{ reports, hasNextPage }, totalCount] = await Promise.all([
      ctx.reports.page(criteria, first, afterSeq),
      ctx.reports.count(criteria),
    ]);
    const edges = reports.map((node) => ({ cursor: encodeCursor(CURSOR_KIND, node.seq), node }));
    return { edges, totalCount, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  @Directive('@requiresScopes(scopes: [["reports:write"]])')
  @Mutation(() => CitizenReport, {
    description:
      'Accepts a report; it starts OPEN. Send an Idempotency-Key header (or input.idempotencyKey) to retry safely. Needs scope reports:write.',
  })
  async createReport(
    @Ctx() ctx: ReportsContext,
    @Arg('input', () => CreateReportInput) input: CreateReportInput,
  ): Promise<CitizenReport> {
    const scope = idempotencyScopeOf(ctx.principal?.id, ctx.idempotencyKeyHeader, input.idempotencyKey);
    return ctx.intake.create(input, actorOf(ctx), scope, ctx.logger);
  }

  @Directive('@requiresScopes(scopes: [["reports:write"]])')
  @Mutation(() => CitizenReport, {
    description:
      'Accepts a report at a location, with an optional photo (a GraphQL multipart request). The photo is checked, re-encoded without metadata and triaged by the image model; if the model is down the report is accepted untriaged and triaged later. Send an Idempotency-Key header (or input.idempotencyKey) to retry safely. Needs scope reports:write.',
  })
  async submitReport(
    @Ctx() ctx: ReportsContext,
    @Arg('input', () => SubmitReportInput) input: SubmitReportInput,
    @Arg('photo', () => GraphQLUpload, {
      nullable: true,
      description: 'JPEG, PNG or WebP; limits in the reports README.',
    })
    photo?: Promise<FileUpload> | null,
  ): Promise<CitizenReport> {
    let scope: IdempotencyScope | undefined;
    try {
      scope = idempotencyScopeOf(ctx.principal?.id, ctx.idempotencyKeyHeader, input.idempotencyKey);
    } catch (err) {
      // The photo is still streaming in: read it off the wire so the answer is not held up.
      await discardUpload(photo);
      throw err;
    }
    return ctx.intake.submit(input, photo, actorOf(ctx), scope, ctx.logger);
  }
}
