import { Field, Float, ObjectType } from 'type-graphql';
import { ModelRef } from '../../answer.type.ts';
import { FloodLevel } from '../flood-risk.type.ts';
import { Zone } from '../../../zone/zone.type.ts';

@ObjectType({ description: "A zone's flood risk crossed into another level." })
export class FloodAlert {
  @Field(() => Zone, {
    nullable: true,
    description: 'The zone (its fields come from the zones subgraph; null while that subgraph is down).',
  })
  zone!: Zone;

  @Field(() => FloodLevel)
  level!: FloodLevel;

  @Field(() => FloodLevel)
  previousLevel!: FloodLevel;

  @Field(() => Boolean, { description: 'True when the risk went up.' })
  rising!: boolean;

  @Field(() => Float)
  score!: number;

  @Field(() => Date, { description: 'Time of the features that produced the new score.' })
  asOf!: Date;

  @Field(() => ModelRef)
  model!: ModelRef;
}
