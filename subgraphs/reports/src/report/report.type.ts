import { Directive, Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ReportPhoto } from '../photo/photo.type.ts';
import { ReportPriority } from '../triage/priority.ts';
import { ReportTriage } from '../triage/triage.type.ts';
import { Zone } from '../zone/zone.type.ts';
import { ReportCategory, ReportStatus } from './report.enums.ts';

export { ReportCategory, ReportStatus } from './report.enums.ts';

@ObjectType({ description: 'Where the citizen says the problem is (WGS 84).' })
export class ReportLocation {
  @Field(() => Float)
  lat!: number;

  @Field(() => Float)
  lon!: number;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: "A citizen's report of a problem in a zone." })
export class CitizenReport {
  @Field(() => ID)
  id!: string;

  @Field(() => Zone, {
    nullable: true,
    description:
      'The zone the report is about (resolved by the zones subgraph; null while that subgraph is down, the report itself still answers).',
  })
  zone!: Zone;

  @Field(() => Date, { description: 'When the report was accepted.' })
  createdAt!: Date;

  // Free text from a citizen can name people and places: only callers allowed to read reports see it.
  @Directive('@requiresScopes(scopes: [["reports:read"]])')
  @Field(() => String, { description: 'What the citizen wrote. Needs scope reports:read.' })
  description!: string;

  @Field(() => ReportCategory, {
    description: "The citizen's category; when they gave none, the model's label (OTHER if unsure).",
  })
  category!: ReportCategory;

  @Field(() => ReportStatus)
  status!: ReportStatus;

  // Where a citizen stood is personal data.
  @Directive('@requiresScopes(scopes: [["reports:read"]])')
  @Field(() => ReportLocation, {
    nullable: true,
    description: 'Where the problem is; null for reports filed by zone. Needs scope reports:read.',
  })
  location!: ReportLocation | null;

  @Field(() => ReportPhoto, { nullable: true, description: 'The photo, when the report came with one.' })
  photo!: ReportPhoto | null;

  @Field(() => ReportTriage, {
    nullable: true,
    description: "The image model's triage; null without a photo or while the model has not answered yet.",
  })
  triage!: ReportTriage | null;

  @Field(() => ReportPriority, {
    nullable: true,
    description: 'triage.suggestedPriority, or null when untriaged.',
  })
  suggestedPriority!: ReportPriority | null;

  /** Insertion order: the key of `reports` pages. */
  seq!: string;
}

/** Longest description accepted, in characters. */
export const MAX_DESCRIPTION_LENGTH = 2000;

const IDEMPOTENCY_KEY_DESCRIPTION =
  'The Idempotency-Key header as an input field, for clients that cannot set headers (given both, they must be equal): 1–255 printable ASCII characters, e.g. a random UUID per report, sent again on each retry. A repeat within 24 hours answers with the first report and files none; the same key with a different request is IDEMPOTENCY_KEY_REUSED.';

@InputType()
export class CreateReportInput {
  @Field(() => ID, { description: 'Zone the report is about.' })
  zoneId!: string;

  @Field(() => String, { description: `What is wrong, 1–${MAX_DESCRIPTION_LENGTH} characters.` })
  description!: string;

  @Field(() => ReportCategory)
  category!: ReportCategory;

  @Field(() => String, {
    nullable: true,
    description: IDEMPOTENCY_KEY_DESCRIPTION,
  })
  idempotencyKey?: string | null;
}

@InputType({ description: 'A WGS 84 point.' })
export class LocationInput {
  @Field(() => Float, { description: 'Latitude, -90–90.' })
  lat!: number;

  @Field(() => Float, { description: 'Longitude, -180–180.' })
  lon!: number;
}

@InputType()
export class SubmitReportInput {
  @Field(() => LocationInput, { description: 'Where the problem is; its zone is the one containing it.' })
  location!: LocationInput;

  @Field(() => String, { description: `What is wrong, 1–${MAX_DESCRIPTION_LENGTH} characters.` })
  description!: string;

  @Field(() => ReportCategory, {
    nullable: true,
    description: "The citizen's category; omitted, the model's label decides.",
  })
  category?: ReportCategory | null;

  @Field(() => String, {
    nullable: true,
    description: IDEMPOTENCY_KEY_DESCRIPTION,
  })
  idempotencyKey?: string | null;
}

@InputType({ description: 'Every given criterion must hold.' })
export class ReportFilter {
  @Field(() => ReportStatus, { nullable: true })
  status?: ReportStatus | null;

  @Field(() => ReportCategory, { nullable: true })
  category?: ReportCategory | null;

  @Field(() => ID, { nullable: true })
  zoneId?: string | null;

  @Field(() => ReportPriority, {
    nullable: true,
    description: 'Only triaged reports with this suggested priority.',
  })
  priority?: ReportPriority | null;
}

@ObjectType()
export class ReportEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => CitizenReport)
  node!: CitizenReport;
}

@ObjectType({ description: 'Where a page of reports ends.' })
export class ReportPageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType({ description: 'A page of reports, newest first (Relay cursor connection).' })
export class ReportConnection {
  @Field(() => [ReportEdge])
  edges!: ReportEdge[];

  @Field(() => ReportPageInfo)
  pageInfo!: ReportPageInfo;

  @Field(() => Int, { description: 'Reports matching the filter, over all pages.' })
  totalCount!: number;
}
