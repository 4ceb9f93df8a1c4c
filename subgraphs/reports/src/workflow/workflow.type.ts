import { Field, ObjectType } from 'type-graphql';
import { ReportStatus } from '../report/report.enums.ts';

@ObjectType({ description: "One change of a report's status: who, when, from what to what, and why." })
export class ReportTransition {
  @Field(() => ReportStatus, { nullable: true, description: 'Null for the submission itself.' })
  from!: ReportStatus | null;

  @Field(() => ReportStatus)
  to!: ReportStatus;

  @Field(() => String, {
    description:
      'Who made the change: the hashed principal id the gateway forwarded, `model:<name>@<version>` for the image model, or `anonymous`.',
  })
  actor!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => String, { nullable: true })
  note!: string | null;
}
