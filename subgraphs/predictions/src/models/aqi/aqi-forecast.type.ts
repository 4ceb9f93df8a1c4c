import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Answer } from '@cityassist/inference';
import { ModelRef } from '../answer.type.ts';
import type { AqiAnswer } from './aqi.model.ts';
import type { StoredReading } from './sensor-store.ts';
import { AqiIntervalCalibration } from './interval-calibration.type.ts';

/** The US EPA categories, in order of the index (metadata.json → `epa_breakpoints.categories`). */
export enum AqiCategory {
  GOOD = 'GOOD',
  MODERATE = 'MODERATE',
  UNHEALTHY_FOR_SENSITIVE_GROUPS = 'UNHEALTHY_FOR_SENSITIVE_GROUPS',
  UNHEALTHY = 'UNHEALTHY',
  VERY_UNHEALTHY = 'VERY_UNHEALTHY',
  HAZARDOUS = 'HAZARDOUS',
}
registerEnumType(AqiCategory, {
  name: 'AqiCategory',
  description:
    'US EPA AQI category: Good 0–50, Moderate 51–100, Unhealthy for Sensitive Groups 101–150, Unhealthy 151–200, Very Unhealthy 201–300, Hazardous 301–500 (40 CFR 58 App. G, 2024 tables).',
});

/** The enum value of a category as the EPA tables spell it ("Unhealthy for Sensitive Groups"). */
export function aqiCategoryOf(name: string): AqiCategory {
  const key = name.toUpperCase().replace(/[^A-Z]+/g, '_') as keyof typeof AqiCategory;
  const category = AqiCategory[key];
  if (!category) throw new Error(`unknown EPA category ${name}`);
  return category;
}

@ObjectType({ description: 'One hourly step of an air-quality forecast.' })
export class AqiPoint {
  @Field(() => Date, { description: 'The hour forecast (UTC): asOf + h hours for step h.' })
  at!: Date;

  @Field(() => Float, { description: 'Point forecast of the concentration, in `unit`.' })
  value!: number;

  @Field(() => Int, {
    description:
      "AQI of this hour's value. Indicative only: the EPA index for PM is defined on 24-hour means (see `next24Hours`).",
  })
  aqi!: number;

  @Field(() => AqiCategory, { description: 'EPA category of `aqi` (indicative, as `aqi`).' })
  category!: AqiCategory;

  @Field(() => Float, { description: 'Lower end of the 90% prediction interval (conformal), in `unit`.' })
  lower!: number;

  @Field(() => Float, { description: 'Upper end of the 90% prediction interval (conformal), in `unit`.' })
  upper!: number;

  @Field(() => Boolean, {
    description: 'True when the value is above the top breakpoint: `aqi` is then capped at 500.',
  })
  beyondIndex!: boolean;
}

@ObjectType({
  description:
    "The EPA AQI of the next 24 hours: the index of the mean of the 24 hourly point forecasts (PM's averaging period is 24 h).",
})
export class AqiDaily {
  @Field(() => Float, { description: 'Mean of the 24 hourly point forecasts, in `unit`.' })
  value!: number;

  @Field(() => Int)
  aqi!: number;

  @Field(() => AqiCategory)
  category!: AqiCategory;

  @Field(() => Boolean, {
    description: 'True when the mean is above the top breakpoint (`aqi` capped at 500).',
  })
  beyondIndex!: boolean;
}

@ObjectType({ description: "The sensor whose readings a zone's forecast comes from." })
export class AqiSensor {
  @Field(() => ID)
  id!: string;

  @Field(() => Float, { description: "Distance from the zone's centroid to the sensor, km." })
  distanceKm!: number;

  @Field(() => String)
  neighbourhood!: string;

  @Field(() => Float)
  lat!: number;

  @Field(() => Float)
  lon!: number;
}

@ObjectType({
  description:
    "Air-quality forecast of a zone: its nearest sensor's next hours from the AQI model, with 90% intervals and EPA AQI. From simulated sensor data until real readings are ingested (docs/aqi-forecast.md).",
})
export class AqiForecast {
  @Field(() => ID, {
    description: 'Stable id of this forecast: the same model and inputs always give the same id.',
  })
  forecastId!: string;

  // Demand control: the list is `hours` long, 24 at most; the gateway would assume 50.
  @Directive('@listSize(assumedSize: 24)')
  @Field(() => [AqiPoint], { description: 'The steps asked for, hour 1 first.' })
  points!: AqiPoint[];

  @Field(() => AqiDaily, { nullable: true, description: 'Null when fewer than 24 steps exist.' })
  next24Hours!: AqiDaily | null;

  @Field(() => ModelRef)
  model!: ModelRef;

  @Field(() => AqiSensor)
  sensor!: AqiSensor;

  @Field(() => Date, {
    description:
      "The forecast's anchor: the hour of this sensor's newest reading (each sensor its own); step h is asOf + h hours.",
  })
  asOf!: Date;

  @Field(() => String, { description: 'The pollutant forecast (pm25).' })
  parameter!: string;

  @Field(() => String, { description: 'Unit of value, lower and upper (µg/m³).' })
  unit!: string;

  @Field(() => Int, { description: "Hourly readings missing among the sensor's last 24 up to asOf." })
  missingReadings!: number;

  @Field(() => Boolean, {
    description:
      "True when the model failed and the answer is a fallback: the sensor's last good forecast (within FALLBACK_MAX_AGE_SECONDS) or the documented baseline (persistence of the recent level); an error entry says why.",
  })
  degraded!: boolean;

  @Field(() => AqiIntervalCalibration, { description: 'How lower and upper of the points were calibrated.' })
  intervalCalibration!: AqiIntervalCalibration;

  /** The zone asked about. */
  zoneId!: string;

  /** The sensor's readings the forecast's window was built from, oldest first (lineage for `inputs`). */
  readings!: StoredReading[];

  /** The router's answer it was made from: what explanations read. */
  answer!: Answer<AqiAnswer>;

  /** Why this answer is a fallback (degraded), for the error entry the response carries. */
  fallback?: { reason: string; source: 'last-prediction' | 'baseline' } | undefined;
}
