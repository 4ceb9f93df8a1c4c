import {
  Arg,
  Ctx,
  Directive,
  Field,
  Float,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Resolver,
} from 'type-graphql';
import type { PredictionsContext } from '../../context.ts';
import { errors } from '../../errors.ts';
import type { SensorReading } from './sensor-store.ts';
import { aqiModel, aqiVersionOf } from './aqi.model.ts';

@InputType()
export class SensorReadingInput {
  @Field(() => ID, { description: 'A known sensor (olinda-01 … olinda-12).' })
  sensorId!: string;

  @Field(() => String, { description: 'Pollutant: pm25, pm10 or no2 (the EPA tables the model carries).' })
  parameter!: string;

  @Field(() => Date, {
    description: 'When the reading was taken (UTC); serving snaps it to the nearest hour.',
  })
  at!: Date;

  @Field(() => Float, { description: 'Concentration in the unit of the parameter (µg/m³; ppb for no2).' })
  value!: number;
}

@ObjectType({ description: 'What ingestSensorReadings recorded.' })
export class SensorReadingsIngested {
  @Field(() => Int, {
    description: 'Readings written (a reading for an existing sensor, parameter and time replaces it).',
  })
  accepted!: number;

  @Field(() => [ID], { description: 'The sensors they came from.' })
  sensors!: string[];

  @Field(() => Date, { description: 'The newest reading among them.' })
  newest!: Date;
}

/** Most readings one call may carry: a day of hourly readings for 40 sensors and 1 parameter. */
export const MAX_READINGS_PER_CALL = 1000;
/**
 * How far after the service's clock a reading's `at` may be, in ms. A feed's clock can run a little
 * ahead of ours (a sensor gateway syncs by NTP now and then), so a reading taken "now" may arrive
 * stamped a minute or two ahead; more than that is a wrong clock or a wrong time zone. And it
 * matters: each sensor's forecast starts from its own newest reading, so one reading from the
 * future would anchor that sensor there, and blank its zones (too few readings in a window that
 * has not happened) until time caught up. 5 minutes, as for zone features (`ingestZoneFeatures`),
 * is far above NTP-kept skew and small beside the hourly grid readings snap to.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/**
 * Above every EPA table's top (PM2.5 325.4 µg/m³, PM10 604, NO2 2049 ppb) by far: a larger number
 * is a unit or typing error, and one such reading would dominate a sensor's level for a day.
 */
const MAX_VALUE = 10_000;

@Resolver()
export class SensorReadingResolver {
  @Directive('@requiresScopes(scopes: [["features:write"]])')
  @Mutation(() => SensorReadingsIngested, {
    description: `Records air-quality sensor readings in the feature store; the next aqiForecast reads them. All or nothing: one bad reading refuses the call, naming it. At most ${MAX_READINGS_PER_CALL} per call. Needs scope features:write.`,
  })
  async ingestSensorReadings(
    @Ctx() ctx: PredictionsContext,
    @Arg('readings', () => [SensorReadingInput]) readings: SensorReadingInput[],
  ): Promise<SensorReadingsIngested> {
    if (readings.length === 0 || readings.length > MAX_READINGS_PER_CALL) {
      throw errors.BAD_USER_INPUT(`send between 1 and ${MAX_READINGS_PER_CALL} readings per call`, {
        argument: 'readings',
        count: readings.length,
      });
    }
    const { router, inputs } = aqiModel.served(ctx);
    const { parameters } = aqiVersionOf(router.champion);
    const now = Date.now();
    const seen = new Set<string>();
    const rows = readings.map((r, i): SensorReading => {
      const argument = `readings[${i}]`;
      if (!inputs.zones.sensors.has(r.sensorId)) {
        throw errors.BAD_USER_INPUT(`readings[${i}]: unknown sensor ${r.sensorId}`, {
          argument: `${argument}.sensorId`,
        });
      }
      if (!parameters.includes(r.parameter)) {
        throw errors.BAD_USER_INPUT(`readings[${i}]: parameter must be one of ${parameters.join(', ')}`, {
          argument: `${argument}.parameter`,
        });
      }
      if (r.at.getTime() > now + MAX_CLOCK_SKEW_MS) {
        throw errors.BAD_USER_INPUT(
          `readings[${i}]: at ${r.at.toISOString()} is in the future, more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes after the service's clock (${new Date(now).toISOString()})`,
          { argument: `${argument}.at` },
        );
      }
      if (!Number.isFinite(r.value) || r.value < 0 || r.value > MAX_VALUE) {
        throw errors.BAD_USER_INPUT(
          `readings[${i}]: value must be a finite number between 0 and ${MAX_VALUE}`,
          { argument: `${argument}.value` },
        );
      }
      const key = `${r.sensorId}|${r.parameter}|${r.at.getTime()}`;
      if (seen.has(key)) {
        throw errors.BAD_USER_INPUT(`readings[${i}]: the same sensor, parameter and time twice`, {
          argument,
        });
      }
      seen.add(key);
      return { sensorId: r.sensorId, parameter: r.parameter, at: r.at, value: r.value };
    });
    await inputs.store.write(rows, `api:${ctx.principal?.id ?? 'anonymous'}`);
    const sensors = [...new Set(rows.map((r) => r.sensorId))].sort();
    const newest = new Date(Math.max(...rows.map((r) => r.at.getTime())));
    ctx.logger.info({ readings: rows.length, sensors }, 'sensor readings ingested');
    return { accepted: rows.length, sensors, newest };
  }
}
