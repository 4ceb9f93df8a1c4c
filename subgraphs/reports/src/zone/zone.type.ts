import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The zones subgraph owns Zone; this subgraph only knows its key and adds `reports`. */
@Directive('@key(fields: "id")')
@ObjectType()
export class Zone {
  @Field(() => ID)
  id!: string;
}
