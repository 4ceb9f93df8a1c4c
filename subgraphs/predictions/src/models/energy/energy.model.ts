import { Catalog } from '@cityassist/feature-store';
import type { RawOutputs, ServedModel } from '@cityassist/inference';
import { loaderFamily } from '@cityassist/service-kit';
import DataLoader from 'dataloader';
import { createLineageLoader } from '../../features/feature-input.type.ts';
import { conformalBaseline, verifyWindows } from '../forecast.ts';
import { defineModel, perVersion } from '../model.ts';
import { assertFeatureSpec, levelOf, windowFeatures, type EnergyFeatureSpec } from './energy-features.ts';
import { EnergyForecaster, type ZoneLoadRow } from './energy-forecaster.ts';
import type { EnergyDemand, EnergyPoint } from './energy-demand.type.ts';
import { ZoneLoads } from './zone-loads.ts';

/** What the energy model answers for one zone. */
export interface EnergyAnswer {
  points: EnergyPoint[];
  /** The zone's anchor the points start from (a last good answer keeps its own). */
  asOf: Date;
  missingReadings: number;
}

/** A version's reading of its metadata: feature spec, unit, intervals, where the base comes from. */
export interface EnergyVersion {
  spec: EnergyFeatureSpec;
  unit: string;
  /** Valid loads among the last day a forecast needs (the level column's rule). */
  minReadings: number;
  intervals: { qLo: number[]; qHi: number[]; scaleFloor: number; scaled: boolean };
  at: { level: number; std: number; week: number[]; day: number[] };
}

export const energyVersionOf = perVersion((model: ServedModel): EnergyVersion => {
  const m = model.metadata;
  const where = `energy ${model.version}`;
  const spec = assertFeatureSpec(m['feature_spec'], model.featureNames);
  if (typeof m['unit'] !== 'string') throw new Error(`${where}: metadata names no unit`);
  const iv = m['intervals'] as
    | { q_lo?: number[]; q_hi?: number[]; scale_floor?: number; scale?: string }
    | undefined;
  if (iv?.q_lo?.length !== spec.horizons || iv.q_hi?.length !== spec.horizons || typeof iv.scale_floor !== 'number') {
    throw new Error(`${where}: metadata intervals need q_lo, q_hi (one per horizon) and scale_floor`);
  }
  if (model.explainer.explainer.nTargets !== spec.horizons) {
    throw new Error(`${where}: the trees have ${model.explainer.explainer.nTargets} targets for ${spec.horizons} horizons`);
  }
  const names = model.featureNames;
  const index = (name: string) => {
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`${where}: no feature ${name}`);
    return i;
  };
  const horizons = Array.from({ length: spec.horizons }, (_, h) => h + 1);
  return {
    spec,
    unit: m['unit'],
    minReadings: levelOf(spec).min_valid,
    intervals: { qLo: iv.q_lo, qHi: iv.q_hi, scaleFloor: iv.scale_floor, scaled: iv.scale !== 'level' },
    at: {
      level: index('level'),
      std: index(`r_std_${spec.season}`),
      week: horizons.map((h) => index(`r_lag_${spec.week - h}`)),
      day: horizons.map((h) => index(`r_lag_${spec.season - h}`)),
    },
  };
});

export interface EnergyInputs {
  forecaster: EnergyForecaster;
  loads: ZoneLoads;
  catalog: Catalog;
}

/**
 * The energy-demand forecaster (a zone's load, 24 hourly steps with 90% intervals): zone → its
 * recent loads and temperatures in the feature store → one input row per zone → one model call for
 * all the zones of a request. Keyed by zone.
 */
export const energyModel = defineModel({
  name: 'energy',
  idPrefix: 'energy',
  outputs: ['forecast', 'lower', 'upper'],
  routing: (config) => config.energy,
  keyOf: (row: ZoneLoadRow) => row.zoneId,
  // The zone's newest load hour: drift is judged per day of hourly city slices (docs/drift.md).
  sliceOf: (row) => row.anchor,
  inputsOf: (row) => row.inputs,
  answer: (raw, row, model) => answerOf(raw, row, energyVersionOf(model)),
  baseline: (row, model) => answerOf(baselineOf(row.inputs, energyVersionOf(model)), row, energyVersionOf(model)),
  // Shadow agreement: the shadow's first hour lies inside the champion's 90% interval.
  compare: (a, b) => ({
    difference: Math.abs(a.points[0]!.value - b.points[0]!.value),
    agree: b.points[0]!.value >= a.points[0]!.lower && b.points[0]!.value <= a.points[0]!.upper,
  }),
  async check(model) {
    const { spec } = energyVersionOf(model);
    const windows = await verifyWindows(model.dir, model.featureNames, (w) =>
      windowFeatures(
        w['readings'] as (number | null)[],
        (w['temperatures'] as (number | null)[] | undefined) ?? null,
        new Date(w.anchor),
        spec,
      ),
    );
    return { windows };
  },
  inputs({ db }, router): Promise<EnergyInputs> {
    const { spec } = energyVersionOf(router.champion);
    // Read per request, not at start: a delivery the pipeline loads later is served without a restart.
    const loads = new ZoneLoads(db, spec.step_seconds, spec.history_steps);
    return Promise.resolve({ forecaster: new EnergyForecaster(router, loads), loads, catalog: new Catalog(db) });
  },
  perRequest: ({ inputs }, request) => ({
    lineage: createLineageLoader(inputs.catalog),
    /** Per `at`: the energyDemand of N zones is one window read and one model call. */
    energyDemand: loaderFamily(
      (at?: Date): DataLoader<string, EnergyDemand> =>
        new DataLoader<string, EnergyDemand>(
          (zoneIds) => inputs.forecaster.forecastZones(zoneIds, { requestId: request.requestId, at }),
          request.batching ? {} : { maxBatchSize: 1 },
        ),
      (at) => at?.getTime(),
    ),
  }),
});

function answerOf(raw: RawOutputs, row: ZoneLoadRow, v: EnergyVersion): EnergyAnswer {
  const step = v.spec.step_seconds * 1000;
  const { forecast, lower, upper } = raw as Record<'forecast' | 'lower' | 'upper', number[]>;
  const points = forecast.map(
    (value, h): EnergyPoint => ({
      at: new Date(row.anchor.getTime() + (h + 1) * step),
      value,
      lower: lower[h]!,
      upper: upper[h]!,
    }),
  );
  return { points, asOf: row.anchor, missingReadings: row.missing };
}

/**
 * The documented fallback when the model fails: the ONNX graph with the trees' output set to 0,
 * i.e. the seasonal-naive forecast (the same hour last week, else yesterday, else the recent level)
 * with the model's conformal offsets, which were calibrated for the model, not for this baseline.
 */
function baselineOf(row: Float32Array, v: EnergyVersion): RawOutputs {
  const level = row[v.at.level]!;
  const sigma = v.intervals.scaled ? Math.max(row[v.at.std]!, Math.fround(v.intervals.scaleFloor)) : 1;
  const base = v.at.week.map((week, h) => {
    const lastWeek = row[week]!;
    const yesterday = row[v.at.day[h]!]!;
    return Number.isNaN(lastWeek) ? (Number.isNaN(yesterday) ? 1 : yesterday) : lastWeek;
  });
  return conformalBaseline(base, level, sigma, v.intervals);
}
