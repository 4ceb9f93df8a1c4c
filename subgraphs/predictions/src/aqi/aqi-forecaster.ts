import type { Logger } from '@cityassist/service-kit';
import type { GraphQLError } from 'graphql';
import type { Counter } from 'prom-client';
import { errors } from '../errors.ts';
import { gridStepOf, gridWindow, STEP_MS, windowBounds, windowFeatures } from './aqi-features.ts';
import { aqiCategoryOf, type AqiDaily, type AqiForecast, type AqiPoint } from './aqi-forecast.type.ts';
import { forecastIdOf, type AqiModel, type RawForecast } from './aqi-model.ts';
import type { SensorStore } from './sensor-store.ts';
import type { ZoneSensor, ZoneSensorMap } from './zone-sensors.ts';

/** One sensor's part of a request: its anchor and its model input, or why it has none. */
type SensorRow = { anchor: Date } & ({ inputs: Float32Array; missing: number } | { valid: number });

/**
 * Zone → nearest sensor → the sensor's recent readings → the model's input row → one model call for
 * all the distinct sensors asked about → a forecast per zone. Each sensor's window ends at its own
 * newest reading (one query for all the sensors' newest, one for all their windows); rows with
 * different anchors share the model call, since the anchor's hour and day are features. Zones that
 * share a sensor share its row. A zone gets its own FORECAST_UNAVAILABLE error when it has no
 * sensor near enough or its sensor has no readings or too few recent ones; when the model fails
 * every zone gets the documented baseline, marked degraded.
 */
export class AqiForecaster {
  constructor(
    readonly model: AqiModel,
    readonly store: SensorStore,
    readonly zones: ZoneSensorMap,
    private readonly logger: Logger,
    private readonly fallbacks?: Counter<'model' | 'source'>,
  ) {}

  async forecastZones(zoneIds: readonly string[]): Promise<(AqiForecast | GraphQLError)[]> {
    const { model } = this;
    const spec = model.spec;
    const placed = new Map<string, ZoneSensor>();
    for (const id of zoneIds) {
      const s = this.zones.sensorOf(id);
      if (s) placed.set(id, s);
    }
    const sensorIds = [...new Set([...placed.values()].map((s) => s.sensor.id))];
    // Each sensor's own clock: its forecast starts from the grid step of its own newest reading, so
    // one sensor's fresh (or wrong) reading moves only that sensor's forecasts. A sensor that fell
    // silent is forecast from where its readings stop, and `asOf` says so.
    const newest = await this.store.newest(sensorIds, model.parameter);
    const anchors = new Map([...newest].map(([id, at]) => [id, gridStepOf(at, spec)]));
    const readings = await this.store.readings(
      [...anchors].map(([sensorId, anchor]) => ({ sensorId, ...windowBounds(anchor, spec) })),
      model.parameter,
    );

    const rows = new Map<string, SensorRow>();
    for (const [id, anchor] of anchors) {
      const window = gridWindow(readings.get(id) ?? [], anchor, spec);
      const inputs = windowFeatures(window, anchor, spec);
      const recent = window.subarray(window.length - spec.season);
      const valid = recent.filter((v) => Number.isFinite(v)).length;
      rows.set(id, inputs ? { anchor, inputs, missing: spec.season - valid } : { anchor, valid });
    }
    const scorable = [...rows].flatMap(([id, r]) => ('inputs' in r ? [{ id, ...r }] : []));
    let outs: RawForecast[];
    let fallback: string | undefined;
    try {
      outs = await model.forecast(scorable.map((r) => r.inputs));
    } catch (err) {
      fallback = err instanceof Error ? err.message : String(err);
      this.logger.warn(
        { err: fallback, model: model.name, version: model.version },
        'aqi model failed: baseline',
      );
      this.fallbacks?.inc({ model: model.name, source: 'baseline' }, scorable.length);
      outs = scorable.map((r) => model.baseline(r.inputs));
    }
    // Per sensor, not per zone: the 470 zones of a dashboard share 12 sensors' answers.
    const scored = new Map(
      scorable.map((r, i) => [
        r.id,
        { points: this.points(outs[i]!, r.anchor), daily: this.daily(outs[i]!) },
      ]),
    );

    return zoneIds.map((zoneId) => {
      const placement = placed.get(zoneId);
      if (!placement) return this.unplaced(zoneId);
      const { sensor, distanceKm } = placement;
      const row = rows.get(sensor.id);
      if (!row) {
        return errors.FORECAST_UNAVAILABLE(
          `sensor ${sensor.id} has no ${model.parameter} readings in the feature store`,
          { zoneId, sensorId: sensor.id, reason: 'no-readings' },
        );
      }
      const answer = scored.get(sensor.id);
      if (!('inputs' in row) || !answer) {
        const valid = 'valid' in row ? row.valid : 0;
        return errors.FORECAST_UNAVAILABLE(
          `sensor ${sensor.id} has ${valid} valid ${model.parameter} readings among the ${spec.season} hours up to its newest, ${row.anchor.toISOString()}; the model needs ${spec.min_level_readings}`,
          { zoneId, sensorId: sensor.id, reason: 'too-few-readings', validReadings: valid },
        );
      }
      const degraded = fallback !== undefined;
      return {
        forecastId: forecastIdOf(degraded ? 'baseline' : model.version, row.inputs),
        points: answer.points,
        next24Hours: answer.daily,
        model: { name: model.name, version: degraded ? 'baseline' : model.version },
        sensor: {
          id: sensor.id,
          distanceKm: Math.round(distanceKm * 1000) / 1000,
          neighbourhood: sensor.neighbourhood,
          lat: sensor.lat,
          lon: sensor.lon,
        },
        asOf: row.anchor,
        parameter: model.parameter,
        unit: model.unit,
        missingReadings: row.missing,
        degraded,
        inputs: row.inputs,
        zoneId,
        fallback: fallback === undefined ? undefined : { reason: fallback, source: 'baseline' },
      } satisfies AqiForecast;
    });
  }

  private points(out: RawForecast, anchor: Date): AqiPoint[] {
    const step = STEP_MS[this.model.spec.resolution];
    return Array.from(out.forecast, (value, h) => {
      const index = this.model.epa.of(value);
      return {
        at: new Date(anchor.getTime() + (h + 1) * step),
        value,
        aqi: index.aqi,
        category: aqiCategoryOf(index.category),
        lower: out.lower[h]!,
        upper: out.upper[h]!,
        beyondIndex: index.beyondIndex,
      };
    });
  }

  /** PM's EPA averaging period is 24 h: the index of the mean of the first 24 hourly forecasts. */
  private daily(out: RawForecast): AqiDaily | null {
    const hoursPerDay = 86_400_000 / STEP_MS[this.model.spec.resolution];
    if (out.forecast.length < hoursPerDay) return null;
    const mean = out.forecast.subarray(0, hoursPerDay).reduce((a, b) => a + b, 0) / hoursPerDay;
    const index = this.model.epa.of(mean);
    return {
      value: mean,
      aqi: index.aqi,
      category: aqiCategoryOf(index.category),
      beyondIndex: index.beyondIndex,
    };
  }

  private unplaced(zoneId: string): GraphQLError {
    const known = this.zones.isKnown(zoneId);
    return errors.FORECAST_UNAVAILABLE(
      known ? `no air-quality sensor near zone ${zoneId}` : `unknown zone ${zoneId}`,
      { zoneId, reason: known ? 'no-sensor-nearby' : 'unknown-zone' },
    );
  }
}
