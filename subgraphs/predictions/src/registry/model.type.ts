import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, InputType, ObjectType, registerEnumType } from 'type-graphql';

export enum ModelStatusKind {
  CHAMPION = 'CHAMPION',
  CANARY = 'CANARY',
  SHADOW = 'SHADOW',
  RETIRED = 'RETIRED',
}
registerEnumType(ModelStatusKind, {
  name: 'ModelStatus',
  description:
    'CHAMPION answers; CANARY answers its share of zones; SHADOW runs beside the champion and is compared with it, never answering; RETIRED does not serve (also every version never promoted).',
});

@ObjectType({ description: 'One trained version of a model, as it lies in models/<name>/<version>/.' })
export class ModelVersion {
  @Field(() => String)
  version!: string;

  @Field(() => Date, { description: 'When training made it (metadata.json createdAt).' })
  createdAt!: Date;

  @Field(() => ModelStatusKind)
  status!: ModelStatusKind;

  @Field(() => Float, { nullable: true, description: 'Share of zones a CANARY answers (0–1]; else null.' })
  canaryShare!: number | null;

  @Field(() => GraphQLJSON, { description: 'Evaluation metrics from metadata.json, as training wrote them.' })
  metrics!: unknown;

  /** Read on demand: cards are a few KB each. */
  name!: string;
}

@ObjectType({ description: 'A model and its versions.' })
export class Model {
  @Field(() => String)
  name!: string;

  @Field(() => [ModelVersion], { description: 'Oldest first.' })
  versions!: ModelVersion[];
}

@ObjectType({ description: 'One change of a version status: who, when, what and why.' })
export class ModelAuditEntry {
  @Field(() => String)
  version!: string;

  @Field(() => String, {
    description:
      'promote, retire, rollback, config (a setting applied at start); ":displaced" when the change retired this version to make room.',
  })
  action!: string;

  @Field(() => ModelStatusKind)
  fromStatus!: ModelStatusKind;

  @Field(() => ModelStatusKind)
  toStatus!: ModelStatusKind;

  @Field(() => Float, { nullable: true })
  canaryShare!: number | null;

  @Field(() => String, {
    description:
      'Who, as the gateway authenticated them: `key:<API key id>`, `jwt:<hashed subject>`, or "config" (a setting applied at start). Never a raw user id.',
  })
  actor!: string;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => Date)
  at!: Date;
}

@InputType()
export class PromoteModelInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  version!: string;

  @Field(() => ModelStatusKind, { description: 'CHAMPION, CANARY, SHADOW, or RETIRED to stop serving it.' })
  status!: ModelStatusKind;

  @Field(() => Float, { nullable: true, description: 'For CANARY: the share of zones it answers, (0, 1].' })
  canaryShare?: number | null;

  @Field(() => String, { nullable: true, description: 'Why, for the audit trail (at most 500 characters).' })
  reason?: string | null;
}

@ObjectType({ description: 'Which versions serve a model after a change.' })
export class ModelAssignment {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  champion!: string;

  @Field(() => String, { nullable: true })
  canary!: string | null;

  @Field(() => Float, { nullable: true })
  canaryShare!: number | null;

  @Field(() => String, { nullable: true })
  shadow!: string | null;

  @Field(() => String, {
    description:
      'Who made the change, as in modelAudit(name).actor (the newest entries there are this change).',
  })
  changedBy!: string;
}
