import { Catalog } from '@cityassist/feature-store';
import { loadZoneFeatures } from '@cityassist/geo';
import type { RawOutputs, ServedModel } from '@cityassist/inference';
import DataLoader from 'dataloader';
import { createLineageLoader } from '../../features/feature-input.type.ts';
import { conformalBaseline, verifyWindows } from '../forecast.ts';
import { defineModel, perVersion } from '../model.ts';
import { assertFeatureSpec, STEP_MS, windowFeatures, type AqiFeatureSpec } from './aqi-features.ts';
import { AqiForecaster, type SensorRow } from './aqi-forecaster.ts';
import { aqiCategoryOf, type AqiDaily, type AqiForecast, type AqiPoint } from './aqi-forecast.type.ts';
import { EpaIndex, type EpaBreakpoints } from './epa.ts';
import { AqiIntervals } from './interval-calibrator.ts';
import { SensorStore } from './sensor-store.ts';
import { ZoneSensorMap } from './zone-sensors.ts';

/** What the AQI model answers for one sensor: its hourly points and the next-24-hour index. */
export interface AqiAnswer {
  points: AqiPoint[];
  daily: AqiDaily | null;
  /** The sensor's anchor the points start from (a last good answer keeps its own). */
  asOf: Date;
  missingReadings: number;
}

/** A version's reading of its metadata: feature spec, EPA tables, pollutant, intervals. */
export interface AqiVersion {
  spec: AqiFeatureSpec;
  epa: EpaIndex;
  parameter: string;
  unit: string;
  /** Pollutants the model's EPA tables cover: what the sensor store accepts readings of. */
  parameters: string[];
  intervals: { qLo: number[]; qHi: number[]; scaleFloor: number };
  at: { level: number; lag0: number; mean3: number; std: number };
}

export const aqiVersionOf = perVersion((model: ServedModel): AqiVersion => {
  const m = model.metadata;
  const where = `aqi ${model.version}`;
  const spec = assertFeatureSpec(m['feature_spec'], model.featureNames);
  if (typeof m['parameter'] !== 'string' || typeof m['unit'] !== 'string') {
    throw new Error(`${where}: metadata names no parameter and unit`);
  }
  const breakpoints = m['epa_breakpoints'] as EpaBreakpoints | undefined;
  if (!breakpoints?.pollutants) throw new Error(`${where}: metadata has no epa_breakpoints`);
  const iv = m['intervals'] as { q_lo?: number[]; q_hi?: number[]; scale_floor?: number } | undefined;
  if (iv?.q_lo?.length !== spec.horizons || iv.q_hi?.length !== spec.horizons || typeof iv.scale_floor !== 'number') {
    throw new Error(`${where}: metadata intervals need q_lo, q_hi (one per horizon) and scale_floor`);
  }
  if (model.explainer.explainer.nTargets !== spec.horizons) {
    throw new Error(`${where}: the trees have ${model.explainer.explainer.nTargets} targets for ${spec.horizons} horizons`);
  }
  const names = model.featureNames;
  return {
    spec,
    epa: EpaIndex.fromBreakpoints(breakpoints, m['parameter']),
    parameter: m['parameter'],
    unit: m['unit'],
    parameters: Object.keys(breakpoints.pollutants),
    intervals: { qLo: iv.q_lo, qHi: iv.q_hi, scaleFloor: iv.scale_floor },
    at: {
      level: names.indexOf('level'),
      lag0: names.indexOf('r_lag_0'),
      mean3: names.indexOf('r_mean_3'),
      std: names.indexOf(`r_std_${spec.season}`),
    },
  };
});

export interface AqiInputs {
  forecaster: AqiForecaster;
  store: SensorStore;
  zones: ZoneSensorMap;
  catalog: Catalog;
}

/**
 * The AQI forecaster (PM2.5, 24 hourly steps with 90% intervals): zone → nearest sensor → the
 * sensor's recent readings → one input row per sensor. Keyed by sensor: zones that share a sensor
 * share its answer, its canary assignment and its last good answer.
 */
export const aqiModel = defineModel({
  name: 'aqi',
  idPrefix: 'aqi',
  outputs: ['forecast', 'lower', 'upper'],
  routing: (config) => config.aqi,
  keyOf: (row: SensorRow) => row.sensorId,
  // The sensor's anchor hour (its newest reading): drift is judged per day of hourly slices of the
  // sensors scored at one anchor, as energy's zones (docs/drift.md).
  sliceOf: (row) => row.anchor,
  inputsOf: (row) => row.inputs,
  answer: (raw, row, model) => answerOf(raw, row, aqiVersionOf(model)),
  baseline: (row, model) => answerOf(baselineOf(row.inputs, aqiVersionOf(model)), row, aqiVersionOf(model)),
  // Shadow agreement: the first hour's value and its EPA category.
  compare: (a, b) => ({
    difference: Math.abs(a.points[0]!.value - b.points[0]!.value),
    agree: a.points[0]!.category === b.points[0]!.category,
  }),
  async check(model) {
    const { spec } = aqiVersionOf(model);
    const windows = await verifyWindows(model.dir, model.featureNames, (w) =>
      windowFeatures(w['readings'] as (number | null)[], new Date(w.anchor), spec),
    );
    return { windows };
  },
  async inputs({ config, db, logger }, router) {
    const store = new SensorStore(db);
    const seeded = await store.loadSensors(config.aqi.sensorsFile);
    logger.info(seeded, seeded.loaded ? 'sensor registry loaded' : 'sensor registry already loaded');
    const zones = new ZoneSensorMap(await loadZoneFeatures(), await store.sensors(), config.aqi.maxSensorDistanceKm);
    logger.info({ zonesWithSensor: zones.size }, 'zones mapped to air-quality sensors');
    const intervals = new AqiIntervals(config.aqi.intervals, STEP_MS[aqiVersionOf(router.champion).spec.resolution]);
    return { forecaster: new AqiForecaster(router, store, zones, intervals), store, zones, catalog: new Catalog(db) };
  },
  perRequest: ({ inputs }, request) => ({
    lineage: createLineageLoader(inputs.catalog),
    /** The aqiForecast of N zones is one readings query and one model call over their sensors. */
    aqiForecast: new DataLoader<string, AqiForecast>(
      (zoneIds) => inputs.forecaster.forecastZones(zoneIds, { requestId: request.requestId }),
      request.batching ? {} : { maxBatchSize: 1 },
    ),
  }),
});

function answerOf(raw: RawOutputs, row: SensorRow, v: AqiVersion): AqiAnswer {
  const step = STEP_MS[v.spec.resolution];
  const { forecast, lower, upper } = raw as Record<'forecast' | 'lower' | 'upper', number[]>;
  const points = forecast.map((value, h): AqiPoint => {
    const index = v.epa.of(value);
    return {
      at: new Date(row.anchor.getTime() + (h + 1) * step),
      value,
      aqi: index.aqi,
      category: aqiCategoryOf(index.category),
      lower: lower[h]!,
      upper: upper[h]!,
      beyondIndex: index.beyondIndex,
    };
  });
  // PM's EPA averaging period is 24 h: the index of the mean of the first 24 hourly forecasts.
  const perDay = 86_400_000 / step;
  let daily: AqiDaily | null = null;
  if (forecast.length >= perDay) {
    const mean = forecast.slice(0, perDay).reduce((a, b) => a + b, 0) / perDay;
    const index = v.epa.of(mean);
    daily = { value: mean, aqi: index.aqi, category: aqiCategoryOf(index.category), beyondIndex: index.beyondIndex };
  }
  return { points, daily, asOf: row.anchor, missingReadings: row.missing };
}

/**
 * The documented fallback when the model fails: the ONNX graph with the trees' output set to 0,
 * i.e. persistence of the recent ratio (r_lag_0, else r_mean_3, else 1) times the level, with the
 * model's conformal offsets. Those offsets were calibrated for the model, not for persistence, so
 * the interval is narrower than persistence's real error: one more reason it is marked degraded.
 */
function baselineOf(row: Float32Array, v: AqiVersion): RawOutputs {
  const lag0 = row[v.at.lag0]!;
  const mean3 = row[v.at.mean3]!;
  const base = Number.isNaN(lag0) ? (Number.isNaN(mean3) ? 1 : mean3) : lag0;
  const sigma = Math.max(row[v.at.std]!, Math.fround(v.intervals.scaleFloor));
  return conformalBaseline(new Array<number>(v.spec.horizons).fill(base), row[v.at.level]!, sigma, v.intervals);
}
