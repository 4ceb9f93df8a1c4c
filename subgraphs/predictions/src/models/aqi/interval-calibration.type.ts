import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({
  description:
    "How a forecast's intervals were calibrated: `online` = per horizon and side on the model's own most recent observed errors (adaptive conformal inference), `static` = the model file's conformal offsets (docs/aqi-forecast.md, \"Intervals that hold\").",
})
export class AqiIntervalCalibration {
  @Field(() => String, { description: '`online` or `static` (AQI_INTERVAL_CALIBRATION, or a degraded answer).' })
  method!: 'online' | 'static';

  @Field(() => Int, {
    nullable: true,
    description: 'Observed errors kept per horizon (AQI_INTERVAL_WINDOW); null when static.',
  })
  window!: number | null;

  @Field(() => Int, {
    description:
      'Errors this service has observed since it started (forecasts scored against the readings that arrived later); the window started from the errors training observed.',
  })
  observedErrors!: number;
}
