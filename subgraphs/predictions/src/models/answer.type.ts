import { Field, Float, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Which model produced a prediction.' })
export class ModelRef {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'The version that answered; `baseline` for the documented fallback.' })
  version!: string;
}

@ObjectType({
  description:
    "One feature's share of a prediction (exact TreeSHAP, in the model's margin: log-odds for floodRisk, the trees' ratio for aqiForecast, kW for energyDemand).",
})
export class FeatureContribution {
  @Field(() => String)
  feature!: string;

  @Field(() => Float, { nullable: true, description: 'The input value; null when it was missing.' })
  value!: number | null;

  @Field(() => Float, {
    description:
      "Contribution to the model's margin; the contributions plus baseValue sum to it (floodRisk: the logit of probability).",
  })
  contribution!: number;
}
