import { Catalog } from '@cityassist/feature-store';
import type { ServedModel } from '@cityassist/inference';
import { createLineageLoader } from '../../features/feature-input.type.ts';
import { loaderFamily } from '@cityassist/service-kit';
import type DataLoader from 'dataloader';
import { FloodAlerter } from './alerts/flood-alerter.ts';
import { FeatureStore, type ZoneFeatures } from './features/feature-store.ts';
import { createFloodRiskLoader } from './flood-risk.loader.ts';
import { FloodLevel, type FloodAnswer, type FloodRisk } from './flood-risk.type.ts';
import { registerLiveQualityMetrics } from './quality/live-quality-metrics.ts';
import { defineModel, perVersion } from '../model.ts';

const LEVEL_BY_NAME: Record<string, FloodLevel> = {
  low: FloodLevel.LOW,
  moderate: FloodLevel.MODERATE,
  high: FloodLevel.HIGH,
  severe: FloodLevel.SEVERE,
};

/** A version's level bands, highest first, from its metadata's `levels` (read once per version). */
const bandsOf = perVersion((model): [number, FloodLevel][] =>
  Object.entries(model.metadata.levels ?? { low: 0, moderate: 0.2, high: 0.5, severe: 0.8 })
    .map(([name, bound]): [number, FloodLevel] => {
      const level = LEVEL_BY_NAME[name];
      if (!level) throw new Error(`flood ${model.version} metadata names an unknown level ${name}`);
      return [bound, level];
    })
    .sort((a, b) => b[0] - a[0]),
);

function levelOf(model: ServedModel, probability: number): FloodLevel {
  return bandsOf(model).find(([bound]) => probability >= bound)?.[1] ?? FloodLevel.LOW;
}

/**
 * The documented baseline: the flood rate of the training data (climatology). It knows nothing of
 * today's rain, which is why every answer that uses it says `degraded: true` and why it is only
 * used when the zone has no recent prediction of its own.
 */
export function floodBaseline(model: ServedModel): number {
  const data = (model.metadata['metrics'] as { data?: { train_rows?: number; train_positives?: number } } | undefined)
    ?.data;
  if (data?.train_rows && data.train_positives !== undefined) return data.train_positives / data.train_rows;
  return 0;
}

/** What the flood model's fields reach: the feature store and the alerter that re-scores it. */
export interface FloodInputs {
  store: FeatureStore;
  catalog: Catalog;
  alerter: FloodAlerter;
}

/**
 * Flood risk of a zone for the next hour, from the zone's row in the feature store: a binary
 * classifier whose positive-class probability is banded into levels by its metadata.
 */
export const floodModel = defineModel({
  name: 'flood',
  // Clients see and store these ids (predictionId): the prefix stays `pred`.
  idPrefix: 'pred',
  outputs: ['probabilities'],
  routing: (config) => config.flood,
  keyOf: (row: ZoneFeatures) => row.zoneId,
  // The hour a row's features describe: drift is judged per window of hourly city slices. A what-if
  // describes no hour of the city: it is not watched (it would stand in for the zone's real row).
  sliceOf: (row) => (row.whatIf ? undefined : row.asOf),
  // A missing or null feature is NaN: the trees route it as they learned to.
  inputsOf: (row, model) =>
    Float32Array.from(model.featureNames, (name) => {
      const v = row.values[name];
      return typeof v === 'number' ? v : Number.NaN;
    }),
  answer(raw, row, model): FloodAnswer {
    const p = raw['probabilities']!;
    const probability = p[model.metadata.onnx.positiveClassIndex ?? p.length - 1]!;
    return { probability, level: levelOf(model, probability), asOf: row.asOf };
  },
  baseline(row, model): FloodAnswer {
    const probability = floodBaseline(model);
    return { probability, level: levelOf(model, probability), asOf: row.asOf };
  },
  compare: (a, b) => ({ difference: Math.abs(a.probability - b.probability), agree: a.level === b.level }),
  check: (model) => ({ levels: bandsOf(model).length }),
  async inputs({ config, db, events, logger, metrics }, router) {
    const store = new FeatureStore(db);
    registerLiveQualityMetrics(metrics, db, 'flood', () => {
      const { champion, canary } = router.assignment;
      return [champion, ...(canary ? [canary.version] : [])];
    });
    const alerter = new FloodAlerter(db, store, router, events, logger);
    // Establishes every zone's current level, so the first change after start raises an alert.
    await alerter.rescore();
    const stop = alerter.schedule(config.rescoreSeconds);
    return { store, alerter, catalog: new Catalog(db), close: () => Promise.resolve(stop()) };
  },
  perRequest: ({ router, inputs }, request) => ({
    lineage: createLineageLoader(inputs.catalog),
    /** Per `at`: the floodRisk of N zones is one feature query and one scoring pass. */
    floodRisk: loaderFamily(
      (at?: Date): DataLoader<string, FloodRisk> =>
        createFloodRiskLoader(inputs.store, router, { at, requestId: request.requestId, batching: request.batching }),
      (at) => at?.getTime(),
    ),
  }),
});
