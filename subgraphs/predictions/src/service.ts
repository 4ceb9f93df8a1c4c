import type { CachedExplanation } from './explain/cached-explanations.ts';
import path from 'node:path';
import { migrate, openDatabase } from '@cityassist/db';
import { createEventBus } from '@cityassist/events';
import { createBatcherMetrics, createInferenceMetrics, OnnxModel } from '@cityassist/inference';
import {
  createMetrics,
  loaderFamily,
  startSubgraphServer,
  type Logger,
  type RunningServer,
} from '@cityassist/service-kit';
import { ExplainerPool, loadTreeExplainer } from '@cityassist/treeshap';
import DataLoader from 'dataloader';
import { FloodAlerter } from './alerts/flood-alerter.ts';
import { createAqiExplanationLoader, createAqiForecastLoader } from './aqi/aqi-forecast.loader.ts';
import { startAqi } from './aqi/aqi-service.ts';
import { DriftMonitor } from './drift/drift-monitor.ts';
import type { PredictionsConfig } from './config.ts';
import type { PredictionsContext } from './context.ts';
import { FeatureStore } from './features/feature-store.ts';
import type { FloodExplanation } from './flood/flood-explainer.ts';
import { FloodModel } from './flood/flood-model.ts';
import type { FloodRisk } from './flood/flood-risk.type.ts';
import { createCacheMetrics, createPredictionCache } from './flood/prediction-cache.ts';
import { createFloodRiskLoader } from './flood/flood-risk.loader.ts';
import { FloodRouter, type LoadedFloodVersion } from './flood/flood-router.ts';
import { verifyTestVectors } from './model/verify.ts';
import { useDegradedAnswers } from './plugins/degraded-answers.plugin.ts';
import { MODEL_CHANGED, ModelRegistry } from './registry/model-registry.ts';
import { buildPredictionsSchema } from './schema.ts';

export async function startPredictionsService(
  config: PredictionsConfig,
  logger: Logger,
): Promise<RunningServer> {
  const metrics = createMetrics('predictions');
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const db = await openDatabase(config.database);
    closers.push(() => db.close());
    const events = await createEventBus(config.redisUrl, { logger, registry: metrics.registry });
    closers.push(() => events.close());
    const applied = await migrate(db, {
      dir: path.join(import.meta.dirname, 'migrations'),
      schema: 'predictions',
    });
    if (applied.length) logger.info({ applied }, 'migrations applied');
    const store = new FeatureStore(db);
    const seeded = await store.loadSnapshot(config.featuresSnapshot);
    logger.info(seeded, seeded.loaded ? 'feature snapshot loaded' : 'feature snapshot already loaded');

    const cacheMetrics = createCacheMetrics(metrics.registry);
    const cacheOptions = {
      redisUrl: config.redisUrl,
      ttlSeconds: config.predictionCacheTtlSeconds,
      metrics: cacheMetrics,
      logger,
      registry: metrics.registry,
    };
    const cache = await createPredictionCache(cacheOptions);
    closers.push(() => cache.close());
    const explanationCache = await createPredictionCache<CachedExplanation>({
      ...cacheOptions,
      name: 'explanation',
    });
    closers.push(() => explanationCache.close());
    const inferenceMetrics = createInferenceMetrics(metrics.registry);
    const batcherMetrics = createBatcherMetrics(metrics.registry);
    const { inference } = config;

    const loadFlood = async (version: string): Promise<LoadedFloodVersion> => {
      const dir = path.join(config.modelsDir, 'flood', version);
      const onnx = await OnnxModel.load(dir, inferenceMetrics, { backend: inference.backend });
      try {
        // A model that does not reproduce its own training-time outputs must not serve.
        const checked = await verifyTestVectors(onnx, dir);
        const onnxPath = path.join(dir, onnx.metadata.onnx.file);
        const explainer = new ExplainerPool(onnxPath, await loadTreeExplainer(onnxPath), {
          threads: inference.explainThreads,
        });
        const drift = new DriftMonitor(
          { name: onnx.name, version: onnx.version, features: onnx.metadata.features },
          config.drift,
          db,
          events,
          logger,
          metrics.registry,
        );
        const model = new FloodModel(onnx, explainer, {
          cache,
          explanationCache,
          observer: drift,
          batch: inference.batching ? inference.batch : { maxBatchSize: 1, maxWaitMs: 0 },
          batcherMetrics,
          timeoutMs: inference.timeoutMs,
        });
        logger.info({ model: 'flood', version, testVectors: checked }, 'flood model loaded');
        return { model, drift };
      } catch (err) {
        await onnx.close();
        throw err;
      }
    };
    const flood = new FloodRouter(
      'flood',
      loadFlood,
      {
        canaryAssignment: config.flood.canaryAssignment,
        fallbackMaxAgeSeconds: inference.fallbackMaxAgeSeconds,
      },
      logger,
      metrics.registry,
    );
    closers.push(() => flood.close());
    const registry = new ModelRegistry(db, config.modelsDir, events);
    await flood.apply(await registry.applySettings('flood', config.flood));
    // AQI is listed with its status, but its version is chosen by setting alone (not routed).
    await registry.applySettings('aqi', { champion: config.aqi.version });
    // Another replica changed the assignment: follow it (the database holds the truth).
    const changes = events.pubSub.subscribe(MODEL_CHANGED);
    void (async () => {
      for await (const payload of changes) {
        if ((payload as { name?: string }).name !== 'flood') continue;
        await registry
          .assignment('flood')
          .then((a) => flood.apply(a))
          .catch((err: unknown) => logger.error({ err: String(err) }, 'could not apply a model change'));
      }
    })();
    closers.push(async () => {
      await changes.return?.();
    });

    const alerter = new FloodAlerter(db, store, flood, events, logger);
    // Establishes every zone's current level, so the first change after start raises an alert.
    await alerter.rescore();
    const stopSchedule = alerter.schedule(config.rescoreSeconds);
    closers.push(() => Promise.resolve(stopSchedule()));

    const aqi = await startAqi(config, {
      db,
      logger,
      registry: metrics.registry,
      inferenceMetrics,
      batcherMetrics,
      cacheMetrics,
    });
    closers.push(() => aqi.close());

    const server = await startSubgraphServer<PredictionsContext>({
      name: 'predictions',
      schema: await buildPredictionsSchema(events.pubSub),
      subscriptions: true,
      host: config.host,
      port: config.port,
      logger,
      gatewaySecret: config.gatewaySecret,
      shutdownDelayMs: config.shutdownDelayMs,
      metrics,
      plugins: [useDegradedAnswers()],
      degraded: () => (events.up ? [] : ['redis']),
      readiness: {
        database: () => db.ping(),
        floodModel: () => flood.champion.onnx.ping(),
        aqiModel: () => aqi.forecaster.model.onnx.ping(),
      },
      context: (base) => ({
        ...base,
        floodRisk: loaderFamily(
          (at?: Date) =>
            createFloodRiskLoader(store, flood, {
              at,
              requestId: base.requestId,
              batching: inference.batching,
            }),
          (at) => at?.getTime(),
        ),
        explanations: new DataLoader<FloodRisk, FloodExplanation, string>((risks) => flood.explain(risks), {
          cacheKeyFn: (r) => `${r.model.version}:${r.predictionId}`,
        }),
        flood,
        registry,
        servedModels: ['flood', 'aqi'],
        store,
        alerter,
        experimentsFile: config.experimentsFile,
        aqiForecast: createAqiForecastLoader(aqi.forecaster, { batching: inference.batching }),
        aqiExplanations: createAqiExplanationLoader(aqi.forecaster),
        aqi: aqi.forecaster,
        degraded: [],
      }),
    });
    closers.push(() => server.close());
    return { ...server, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
