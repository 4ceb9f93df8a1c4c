import path from 'node:path';
import { migrate, openDatabase } from '@cityassist/db';
import { createInferenceMetrics, OnnxModel, resolveVersion } from '@cityassist/inference';
import { createMetrics, startSubgraphServer, type Logger, type RunningServer } from '@cityassist/service-kit';
import type { PredictionsConfig } from './config.ts';
import type { PredictionsContext } from './context.ts';
import { FeatureStore } from './features/feature-store.ts';
import { FloodModel } from './flood/flood-model.ts';
import { createFloodRiskLoader } from './flood/flood-risk.loader.ts';
import { buildPredictionsSchema } from './schema.ts';
import { verifyTestVectors } from './model/verify.ts';

export async function startPredictionsService(
  config: PredictionsConfig,
  logger: Logger,
): Promise<RunningServer> {
  const metrics = createMetrics('predictions');
  const version = await resolveVersion(config.modelsDir, 'flood', config.floodModelVersion);
  const modelDir = path.join(config.modelsDir, 'flood', version);
  const onnx = await OnnxModel.load(modelDir, createInferenceMetrics(metrics.registry));
  const db = await openDatabase(config.database);
  try {
    // A model that does not reproduce its own training-time outputs must not serve.
    const checked = await verifyTestVectors(onnx, modelDir);
    logger.info({ model: 'flood', version, testVectors: checked }, 'flood model loaded');
    const applied = await migrate(db, {
      dir: path.join(import.meta.dirname, 'migrations'),
      schema: 'predictions',
    });
    if (applied.length) logger.info({ applied }, 'migrations applied');
    const store = new FeatureStore(db);
    const seeded = await store.loadSnapshot(config.featuresSnapshot);
    logger.info(seeded, seeded.loaded ? 'feature snapshot loaded' : 'feature snapshot already loaded');
    const flood = new FloodModel(onnx);

    const server = await startSubgraphServer<PredictionsContext>({
      name: 'predictions',
      schema: await buildPredictionsSchema(),
      host: config.host,
      port: config.port,
      logger,
      gatewaySecret: config.gatewaySecret,
      metrics,
      readiness: { database: () => db.ping(), floodModel: async () => (await flood.score([]), true) },
      context: (base) => ({ ...base, floodRisk: createFloodRiskLoader(store, flood) }),
    });
    return {
      ...server,
      async close() {
        await server.close();
        await onnx.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    await onnx.close();
    throw err;
  }
}
