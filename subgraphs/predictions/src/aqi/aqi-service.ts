import type { CachedExplanation } from '../explain/cached-explanations.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '@cityassist/db';
import { loadZoneFeatures } from '@cityassist/geo';
import { listVersions, OnnxModel, type BatcherMetrics, type InferenceMetrics } from '@cityassist/inference';
import type { Logger } from '@cityassist/service-kit';
import { ExplainerPool, loadTreeExplainer } from '@cityassist/treeshap';
import type { Counter, Registry } from 'prom-client';
import type { PredictionsConfig } from '../config.ts';
import { createPredictionCache, type CacheMetrics } from '../flood/prediction-cache.ts';
import { verifyTestVectors } from '../model/verify.ts';
import { windowFeatures, type AqiFeatureSpec } from './aqi-features.ts';
import { AqiForecaster } from './aqi-forecaster.ts';
import { AqiModel } from './aqi-model.ts';
import { SensorStore } from './sensor-store.ts';
import { ZoneSensorMap } from './zone-sensors.ts';

/** What the AQI forecast needs from the service around it. */
export interface AqiDeps {
  db: Database;
  logger: Logger;
  registry: Registry;
  inferenceMetrics: InferenceMetrics;
  batcherMetrics: BatcherMetrics;
  cacheMetrics: CacheMetrics;
}

/**
 * Seeds the sensor tables, loads and checks the AQI model, and maps zones to sensors: everything
 * `Zone.aqiForecast` and `ingestSensorReadings` need, made once at start. A model that does not
 * reproduce its test vectors, or features that do not reproduce its worked examples, stop the start.
 */
export async function startAqi(
  config: PredictionsConfig,
  deps: AqiDeps,
): Promise<{ forecaster: AqiForecaster; close(): Promise<void> }> {
  const { db, logger } = deps;
  const store = new SensorStore(db);
  const seeded = await store.loadSnapshot(config.aqi.sensorsFile, config.aqi.readingsSnapshot);
  logger.info(seeded, seeded.loaded ? 'sensor snapshot loaded' : 'sensor snapshot already loaded');

  const version = await resolveServedVersion(config.modelsDir, config.aqi.version);
  const dir = path.join(config.modelsDir, 'aqi', version);
  const onnx = await OnnxModel.load(dir, deps.inferenceMetrics, { backend: config.inference.backend });
  const closers: (() => Promise<void>)[] = [() => onnx.close()];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    const checked = await verifyTestVectors(onnx, dir);
    const onnxPath = path.join(dir, onnx.metadata.onnx.file);
    const explainer = new ExplainerPool(onnxPath, await loadTreeExplainer(onnxPath), {
      threads: config.inference.explainThreads,
    });
    closers.push(() => explainer.close());
    const explanationCache = await createPredictionCache<CachedExplanation>({
      name: 'aqi-explanation',
      redisUrl: config.redisUrl,
      ttlSeconds: config.predictionCacheTtlSeconds,
      metrics: deps.cacheMetrics,
      logger,
    });
    closers.push(() => explanationCache.close());
    const { inference } = config;
    const model = new AqiModel(onnx, explainer, {
      batch: inference.batching ? inference.batch : { maxBatchSize: 1, maxWaitMs: 0 },
      batcherMetrics: deps.batcherMetrics,
      timeoutMs: inference.timeoutMs,
      explanationCache,
    });
    const windows = await verifyWindows(model.spec, dir);
    const zones = new ZoneSensorMap(
      await loadZoneFeatures(),
      await store.sensors(),
      config.aqi.maxSensorDistanceKm,
    );
    // The flood router registers the fallback counter; AQI fallbacks are counted beside flood's.
    const fallbacks = deps.registry.getSingleMetric('prediction_fallbacks_total') as
      Counter<'model' | 'source'> | undefined;
    logger.info(
      { model: 'aqi', version, testVectors: checked, windows, zonesWithSensor: zones.size },
      'aqi model loaded',
    );
    return { forecaster: new AqiForecaster(model, store, zones, logger, fallbacks), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * `latest` = the highest plain `x.y.z` version: prefixed versions (`airbase-pm10-1.0.0`) are
 * validation models the city does not serve (training/AQI.md, "Models and their names").
 */
async function resolveServedVersion(modelsDir: string, version: string): Promise<string> {
  if (version !== 'latest') return version;
  const served = (await listVersions(modelsDir, 'aqi')).filter((v) => /^\d+(\.\d+)*$/.test(v));
  const last = served.at(-1);
  if (!last) throw new Error(`no served versions of model aqi under ${modelsDir}`);
  return last;
}

/**
 * Rebuilds test_vectors.json's worked examples (`windows`: raw readings → features) with this
 * service's feature code, so serving can never feed the model rows built by other rules than the
 * ones it was trained on. Returns how many were checked.
 */
async function verifyWindows(spec: AqiFeatureSpec, dir: string): Promise<number> {
  const vectors = JSON.parse(await readFile(path.join(dir, 'test_vectors.json'), 'utf8')) as {
    windows?: { station: string; anchor: string; readings: (number | null)[]; features: (number | null)[] }[];
  };
  const windows = vectors.windows ?? [];
  for (const w of windows) {
    const got = windowFeatures(w.readings, new Date(w.anchor), spec);
    const bad = w.features.findIndex((e, j) => {
      const g = got?.[j];
      if (g === undefined) return true;
      return e === null ? !Number.isNaN(g) : !(Math.abs(g - e) <= 1e-5 * Math.max(1, Math.abs(e)));
    });
    if (bad >= 0) {
      throw new Error(
        `${dir}: the features of window ${w.station} ${w.anchor} differ from the reference at ${spec.names[bad]}`,
      );
    }
  }
  return windows.length;
}
