import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The zones subgraph owns Zone; this subgraph adds its predictions. */
@Directive('@key(fields: "id")')
@ObjectType()
export class Zone {
  @Field(() => ID)
  id!: string;
}
