import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Predictions of one score band beside how often the band flooded.' })
export class CalibrationBin {
  @Field(() => Float, { description: 'Lowest probability in the band.' })
  lower!: number;

  @Field(() => Float, { description: 'Highest probability in the band (exclusive, except the last).' })
  upper!: number;

  @Field(() => Int)
  count!: number;

  @Field(() => Float, { description: 'Mean predicted probability of the band.' })
  meanPredicted!: number;

  @Field(() => Float, { description: 'Share of its zone-hours that flooded.' })
  observedRate!: number;
}

@ObjectType({
  description:
    "A version's quality on observed outcomes: its logged predictions joined to the flooding observed in the same zone and hour (zone_flood_observations), counting only predictions made before the outcome was loaded.",
})
export class LiveQuality {
  @Field(() => String)
  version!: string;

  @Field(() => Date, { description: 'Start of the window (the online store keeps outcomes this long).' })
  since!: Date;

  @Field(() => Int, { description: 'Zone-hours with both a prediction and an outcome.' })
  samples!: number;

  @Field(() => Int, { description: 'Of them, the flooded ones.' })
  positives!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'ROC-AUC; null until both flooded and dry hours are seen.',
  })
  rocAuc!: number | null;

  @Field(() => [Float], { nullable: true, description: '95 % interval of the ROC-AUC (Hanley–McNeil).' })
  rocAucInterval!: number[] | null;

  @Field(() => Float, { nullable: true, description: 'Brier score (mean squared error of the probability).' })
  brier!: number | null;

  @Field(() => [Float], {
    nullable: true,
    description: '95 % interval of the Brier score (normal, over rows).',
  })
  brierInterval!: number[] | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Mean predicted probability (calibration in the large).',
  })
  meanPredicted!: number | null;

  @Field(() => Float, { nullable: true, description: 'Observed flooding rate.' })
  observedRate!: number | null;

  @Field(() => [CalibrationBin], { description: 'Reliability table, ten equal bands, empty ones left out.' })
  calibration!: CalibrationBin[];
}
