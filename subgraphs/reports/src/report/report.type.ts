import { Directive, Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Zone } from '../zone/zone.type.ts';

export enum ReportCategory {
  POTHOLE = 'POTHOLE',
  GARBAGE = 'GARBAGE',
  FALLEN_TREE = 'FALLEN_TREE',
  FLOODING = 'FLOODING',
  OTHER = 'OTHER',
}
registerEnumType(ReportCategory, { name: 'ReportCategory', description: 'What the citizen reports.' });

export enum ReportStatus {
  OPEN = 'OPEN',
  TRIAGED = 'TRIAGED',
  IN_PROGRESS = 'IN_PROGRESS',
  RESOLVED = 'RESOLVED',
  REJECTED = 'REJECTED',
}
registerEnumType(ReportStatus, { name: 'ReportStatus', description: 'Where the report is in its workflow.' });

@Directive('@key(fields: "id")')
@ObjectType({ description: "A citizen's report of a problem in a zone." })
export class CitizenReport {
  @Field(() => ID)
  id!: string;

  @Field(() => Zone, { description: 'The zone the report is about (resolved by the zones subgraph).' })
  zone!: Zone;

  @Field(() => Date, { description: 'When the report was accepted.' })
  createdAt!: Date;

  // Free text from a citizen can name people and places: only callers allowed to read reports see it.
  @Directive('@requiresScopes(scopes: [["reports:read"]])')
  @Field(() => String, { description: 'What the citizen wrote. Needs scope reports:read.' })
  description!: string;

  @Field(() => ReportCategory)
  category!: ReportCategory;

  @Field(() => ReportStatus)
  status!: ReportStatus;
}

/** Longest description accepted, in characters. */
export const MAX_DESCRIPTION_LENGTH = 2000;

@InputType()
export class CreateReportInput {
  @Field(() => ID, { description: 'Zone the report is about.' })
  zoneId!: string;

  @Field(() => String, { description: `What is wrong, 1–${MAX_DESCRIPTION_LENGTH} characters.` })
  description!: string;

  @Field(() => ReportCategory)
  category!: ReportCategory;
}
