import path from 'node:path';
import { migrate, openDatabase } from '@cityassist/db';
import { createEventBus } from '@cityassist/events';
import { createInferenceMetrics, OnnxModel, resolveVersion } from '@cityassist/inference';
import {
  createMetrics,
  loaderFamily,
  startSubgraphServer,
  type Logger,
  type RunningServer,
} from '@cityassist/service-kit';
import { FloodAlerter } from './alerts/flood-alerter.ts';
import { DriftMonitor } from './drift/drift-monitor.ts';
import type { PredictionsConfig } from './config.ts';
import type { PredictionsContext } from './context.ts';
import { FeatureStore } from './features/feature-store.ts';
import { FloodExplainer } from './flood/flood-explainer.ts';
import { FloodModel } from './flood/flood-model.ts';
import { createCacheMetrics, createPredictionCache } from './flood/prediction-cache.ts';
import { createFloodRiskLoader } from './flood/flood-risk.loader.ts';
import { verifyTestVectors } from './model/verify.ts';
import { buildPredictionsSchema } from './schema.ts';

export async function startPredictionsService(
  config: PredictionsConfig,
  logger: Logger,
): Promise<RunningServer> {
  const metrics = createMetrics('predictions');
  const version = await resolveVersion(config.modelsDir, 'flood', config.floodModelVersion);
  const modelDir = path.join(config.modelsDir, 'flood', version);
  const onnx = await OnnxModel.load(modelDir, createInferenceMetrics(metrics.registry));
  const closers: (() => Promise<void>)[] = [() => onnx.close()];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    // A model that does not reproduce its own training-time outputs must not serve.
    const checked = await verifyTestVectors(onnx, modelDir);
    logger.info({ model: 'flood', version, testVectors: checked }, 'flood model loaded');
    const db = await openDatabase(config.database);
    closers.push(() => db.close());
    const events = await createEventBus(config.redisUrl);
    closers.push(() => events.close());
    const applied = await migrate(db, {
      dir: path.join(import.meta.dirname, 'migrations'),
      schema: 'predictions',
    });
    if (applied.length) logger.info({ applied }, 'migrations applied');
    const store = new FeatureStore(db);
    const seeded = await store.loadSnapshot(config.featuresSnapshot);
    logger.info(seeded, seeded.loaded ? 'feature snapshot loaded' : 'feature snapshot already loaded');
    const drift = new DriftMonitor(
      { name: onnx.name, version: onnx.version, features: onnx.metadata.features },
      config.drift,
      db,
      events,
      logger,
      metrics.registry,
    );
    const cache = await createPredictionCache({
      redisUrl: config.redisUrl,
      ttlSeconds: config.predictionCacheTtlSeconds,
      metrics: createCacheMetrics(metrics.registry),
      logger,
    });
    closers.push(() => cache.close());
    const flood = new FloodModel(onnx, drift, cache);
    const explainer = await FloodExplainer.load(
      path.join(modelDir, onnx.metadata.onnx.file),
      onnx.featureNames,
    );
    const alerter = new FloodAlerter(db, store, flood, events, logger);
    // Establishes every zone's current level, so the first change after start raises an alert.
    await alerter.rescore();
    const stopSchedule = alerter.schedule(config.rescoreSeconds);
    closers.push(() => Promise.resolve(stopSchedule()));

    const server = await startSubgraphServer<PredictionsContext>({
      name: 'predictions',
      schema: await buildPredictionsSchema(events.pubSub),
      subscriptions: true,
      host: config.host,
      port: config.port,
      logger,
      gatewaySecret: config.gatewaySecret,
      metrics,
      readiness: { database: () => db.ping(), floodModel: () => onnx.ping(), events: () => events.ping() },
      context: (base) => ({
        ...base,
        floodRisk: loaderFamily(
          (at?: Date) => createFloodRiskLoader(store, flood, at),
          (at) => at?.getTime(),
        ),
        explanations: explainer.loader(),
        flood,
        store,
        alerter,
        drift,
        experimentsFile: config.experimentsFile,
      }),
    });
    closers.push(() => server.close());
    return { ...server, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
