import path from 'node:path';
import { migrate, openDatabase } from '@cityassist/db';
import { migrateFeatureStore } from '@cityassist/feature-store';
import { createEventBus } from '@cityassist/events';
import {
  createBatcherMetrics,
  createCacheMetrics,
  createInferenceMetrics,
  createPredictionCache,
  type CachedExplanation,
  type RawOutputs,
} from '@cityassist/inference';
import { createMetrics, startSubgraphServer, type Logger, type RunningServer } from '@cityassist/service-kit';
import type { PredictionsConfig } from './config.ts';
import type { PredictionsContext } from './context.ts';
import { models, servedElsewhere } from './models/index.ts';
import { registerRemote, serveModels } from './models/serve.ts';
import { useDegradedAnswers } from './plugins/degraded-answers.plugin.ts';
import { ModelRegistry } from './registry/model-registry.ts';
import { buildPredictionsSchema } from './schema.ts';
import { openFeatureStore } from './features/feature-store.ts';
import { pipelineUploadMiddleware } from './features/pipeline-upload.ts';

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
    // The feature store's tables first: the service's own migrations move rows into them.
    const storeMigrations = await migrateFeatureStore(db);
    const applied = await migrate(db, {
      dir: path.join(import.meta.dirname, 'migrations'),
      schema: 'predictions',
    });
    if (applied.length || storeMigrations.length) {
      logger.info({ applied, storeMigrations }, 'migrations applied');
    }
    const featureStore = await openFeatureStore(db, config, logger, metrics.registry);
    closers.push(() => featureStore.close());

    const cacheMetrics = createCacheMetrics(metrics.registry);
    const cacheOptions = {
      redisUrl: config.redisUrl,
      ttlSeconds: config.predictionCacheTtlSeconds,
      metrics: cacheMetrics,
      logger,
      registry: metrics.registry,
    };
    // Every model's outputs and explanations, keyed by model, version and the exact input row.
    const cache = await createPredictionCache<RawOutputs>({ ...cacheOptions, name: 'outputs' });
    closers.push(() => cache.close());
    const explanationCache = await createPredictionCache<CachedExplanation>({
      ...cacheOptions,
      name: 'explanation',
    });
    closers.push(() => explanationCache.close());
    const registry = new ModelRegistry(db, config.modelsDir, events);
    const served = await serveModels(
      models.map((m) => m.model),
      {
        config,
        db,
        events,
        logger,
        metrics: metrics.registry,
        registry,
        cache,
        explanationCache,
        inferenceMetrics: createInferenceMetrics(metrics.registry),
        batcherMetrics: createBatcherMetrics(metrics.registry),
      },
    );
    closers.push(() => served.close());
    const remote = new Map(
      await Promise.all(
        servedElsewhere.map(
          async (r) =>
            [
              r.name,
              await registerRemote(r, config.servedElsewhere[r.name], { config, registry, logger }),
            ] as const,
        ),
      ),
    );
    const listedModels = [...served.byName.keys(), ...remote.keys()];

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
      // runPipeline(file:) deliveries (GraphQL multipart request spec), streamed to the resolver.
      beforeGraphQL: [pipelineUploadMiddleware(config.etlUpload, logger)],
      degraded: () => (events.up ? [] : ['redis']),
      readiness: { database: () => db.ping(), ...served.readiness },
      context: (base) => ({
        ...base,
        models: served.byName,
        scopes: new Map(),
        batching: config.inference.batching,
        registry,
        db,
        listedModels,
        remote,
        experimentsFile: config.experimentsFile,
        featureStore,
        degraded: [],
      }),
    });
    closers.push(() => server.close());
    featureStore.afterStart();
    return { ...server, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
