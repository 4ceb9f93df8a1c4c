import { Field, Float, ID, ObjectType } from 'type-graphql';
import { FloodLevel } from '../flood-risk.type.ts';

@ObjectType({
  description: "A zone's flood level as of its last re-score: the state floodAlerts reports changes of.",
})
export class ZoneFloodLevel {
  @Field(() => ID)
  zoneId!: string;

  @Field(() => FloodLevel)
  level!: FloodLevel;

  @Field(() => Float)
  score!: number;

  @Field(() => Date, { description: 'Time of the features the level was computed from.' })
  asOf!: Date;

  @Field(() => String, { description: 'The flood model version that scored it.' })
  modelVersion!: string;
}
