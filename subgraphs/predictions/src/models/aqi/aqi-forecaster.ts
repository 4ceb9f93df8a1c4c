import type { Answer, ModelRouter } from '@cityassist/inference';
import type { GraphQLError } from 'graphql';
import { errors } from '../../errors.ts';
import { gridStepOf, gridWindow, windowBounds, windowFeatures } from './aqi-features.ts';
import type { AqiForecast } from './aqi-forecast.type.ts';
import type { AqiIntervals, IntervalCalibrationInfo } from './interval-calibrator.ts';
import { aqiVersionOf, type AqiAnswer, type AqiVersion } from './aqi.model.ts';
import type { SensorStore } from './sensor-store.ts';
import type { ZoneSensor, ZoneSensorMap } from './zone-sensors.ts';

/** One sensor's model input: the row its window gives, anchored at its newest reading. */
export interface SensorRow {
  sensorId: string;
  anchor: Date;
  inputs: Float32Array;
  /** Readings missing among the last `season` up to the anchor. */
  missing: number;
}

/**
 * Zone → nearest sensor → the sensor's recent readings → the model's input row → one scoring pass
 * for all the distinct sensors asked about → a forecast per zone. Each sensor's window ends at its
 * own newest reading (one query for all the sensors' newest, one for all their windows); rows with
 * different anchors share the model call, since the anchor's hour and day are features. Zones that
 * share a sensor share its row. A zone gets its own FORECAST_UNAVAILABLE error when it has no
 * sensor near enough or its sensor has no readings or too few recent ones; when the model fails
 * the router answers each sensor with its last good forecast or the documented baseline, degraded.
 */
export class AqiForecaster {
  constructor(
    readonly router: ModelRouter<SensorRow, AqiAnswer>,
    readonly store: SensorStore,
    readonly zones: ZoneSensorMap,
    /** Online interval recalibration (AQI_INTERVAL_CALIBRATION); absent = the model's own intervals. */
    readonly intervals?: AqiIntervals | undefined,
  ) {}

  async forecastZones(
    zoneIds: readonly string[],
    route: { requestId?: string | undefined } = {},
  ): Promise<(AqiForecast | GraphQLError)[]> {
    // The champion's window rules build every row (a canary or shadow is checked against the
    // same test windows at load, so the rules are the same for every version that serves).
    const version = aqiVersionOf(this.router.champion);
    const { spec, parameter } = version;
    const placed = new Map<string, ZoneSensor>();
    for (const id of zoneIds) {
      const s = this.zones.sensorOf(id);
      if (s) placed.set(id, s);
    }
    const sensorIds = [...new Set([...placed.values()].map((s) => s.sensor.id))];
    // Each sensor's own clock: its forecast starts from the grid step of its own newest reading, so
    // one sensor's fresh (or wrong) reading moves only that sensor's forecasts. A sensor that fell
    // silent is forecast from where its readings stop, and `asOf` says so.
    const newest = await this.store.newest(sensorIds, parameter);
    const anchors = new Map([...newest].map(([id, at]) => [id, gridStepOf(at, spec)]));
    const readings = await this.store.readings(
      [...anchors].map(([sensorId, anchor]) => ({ sensorId, ...windowBounds(anchor, spec) })),
      parameter,
    );
    // The readings just read are the truth of earlier forecasts: they score them before new ones are issued.
    const dir = this.router.champion.dir;
    this.intervals?.observe(dir, readings);

    const rows = new Map<string, SensorRow | { anchor: Date; valid: number }>();
    for (const [id, anchor] of anchors) {
      const window = gridWindow(readings.get(id) ?? [], anchor, spec);
      const inputs = windowFeatures(window, anchor, spec);
      const recent = window.subarray(window.length - spec.season);
      const valid = recent.filter((v) => Number.isFinite(v)).length;
      rows.set(id, inputs ? { sensorId: id, anchor, inputs, missing: spec.season - valid } : { anchor, valid });
    }
    const scorable = [...rows.values()].filter((r): r is SensorRow => 'inputs' in r);
    // Per sensor, not per zone: the 470 zones of a dashboard share 12 sensors' answers.
    const answers = await this.router.score(scorable, route);
    const scored = new Map(scorable.map((r, i) => [r.sensorId, answers[i]!]));

    return zoneIds.map((zoneId) => {
      const placement = placed.get(zoneId);
      if (!placement) return this.unplaced(zoneId);
      const { sensor, distanceKm } = placement;
      const row = rows.get(sensor.id);
      if (!row) {
        return errors.FORECAST_UNAVAILABLE(`sensor ${sensor.id} has no ${parameter} readings in the feature store`, {
          zoneId,
          sensorId: sensor.id,
          reason: 'no-readings',
        });
      }
      const answer = scored.get(sensor.id);
      if (!('inputs' in row) || !answer) {
        const valid = 'valid' in row ? row.valid : 0;
        return errors.FORECAST_UNAVAILABLE(
          `sensor ${sensor.id} has ${valid} valid ${parameter} readings among the ${spec.season} hours up to its newest, ${row.anchor.toISOString()}; the model needs ${spec.min_level_readings}`,
          { zoneId, sensorId: sensor.id, reason: 'too-few-readings', validReadings: valid },
        );
      }
      const calibrated = this.calibrated(answer, row, version);
      const forecast = forecastOf(calibrated ?? answer, zoneId, {
        id: sensor.id,
        distanceKm: Math.round(distanceKm * 1000) / 1000,
        neighbourhood: sensor.neighbourhood,
        lat: sensor.lat,
        lon: sensor.lon,
      }, version, calibrated?.output.intervalCalibration);
      // What the window was read from, for `inputs`: this request's readings, whichever answer served.
      return { ...forecast, readings: readings.get(sensor.id) ?? [] };
    });
  }

  /** The champion's own answer with its intervals recalibrated online; undefined leaves it as it is. */
  private calibrated(
    answer: Answer<AqiAnswer>,
    row: SensorRow,
    version: AqiVersion,
  ): (Answer<AqiAnswer> & { output: { intervalCalibration: IntervalCalibrationInfo } }) | undefined {
    const champion = this.router.champion;
    if (!this.intervals || answer.degraded || answer.version !== champion.version) return undefined;
    if (answer.output.asOf.getTime() !== row.anchor.getTime()) return undefined;
    const { points, info } = this.intervals.apply(champion.dir, version, row.sensorId, row.anchor, row.inputs, answer.output.points);
    return { ...answer, output: { ...answer.output, points, intervalCalibration: info } };
  }

  private unplaced(zoneId: string): GraphQLError {
    const known = this.zones.isKnown(zoneId);
    return errors.FORECAST_UNAVAILABLE(
      known ? `no air-quality sensor near zone ${zoneId}` : `unknown zone ${zoneId}`,
      { zoneId, reason: known ? 'no-sensor-nearby' : 'unknown-zone' },
    );
  }
}

function forecastOf(
  answer: Answer<AqiAnswer>,
  zoneId: string,
  sensor: AqiForecast['sensor'],
  v: { parameter: string; unit: string },
  intervalCalibration: IntervalCalibrationInfo = { method: 'static', window: null, observedErrors: 0 },
): AqiForecast {
  return {
    forecastId: answer.id,
    points: answer.output.points,
    next24Hours: answer.output.daily,
    model: { name: 'aqi', version: answer.version },
    sensor,
    // A last good answer keeps its own anchor and count: its points are the hours it forecast.
    asOf: answer.output.asOf,
    parameter: v.parameter,
    unit: v.unit,
    missingReadings: answer.output.missingReadings,
    degraded: answer.degraded,
    zoneId,
    answer,
    fallback: answer.fallback,
    intervalCalibration,
    readings: [],
  };
}
