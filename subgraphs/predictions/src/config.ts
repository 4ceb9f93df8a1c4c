import path from 'node:path';
import {
  databaseOf,
  databaseSettings,
  gatewaySecretOf,
  readConfig,
  redisSettings,
  setting,
  trustSettings,
} from '@cityassist/service-kit';
import { z } from 'zod';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

const env = readConfig({
  PREDICTIONS_HOST: setting.host(),
  /** Port of the predictions subgraph. Default 4003; 0 picks a free one (tests). */
  PREDICTIONS_PORT: setting.port(4003),
  ...databaseSettings,
  ...trustSettings,
  ...redisSettings,
  /** PSI from which a feature's drift is WARNING. Default 0.1. */
  DRIFT_WARNING_PSI: z.coerce.number().positive().default(0.1),
  /** PSI from which a feature's drift is DRIFT and a retraining trigger is recorded. Default 0.25. */
  DRIFT_PSI: z.coerce.number().positive().default(0.25),
  /** Distinct input rows in the drift window. Default 2000. */
  DRIFT_WINDOW: z.coerce.number().int().positive().default(2000),
  /** Rows the window needs before drift is computed. Default 200. */
  DRIFT_MIN_ROWS: z.coerce.number().int().positive().default(200),
  /** Seconds between re-scores of every zone (flood alerts); 0 turns the schedule off. Default 300. */
  FLOOD_RESCORE_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Where `models/<name>/<version>/` live. Default: the repository's models/. */
  MODELS_DIR: z.string().default(path.join(repoRoot, 'models')),
  /** Flood model version to serve; `latest` is the highest present. */
  FLOOD_MODEL_VERSION: z
    .string()
    .regex(/^(latest|[A-Za-z0-9][\w.-]{0,63})$/, 'must be "latest" or a version folder name')
    .default('latest'),
  /**
   * Snapshot the feature store is seeded from when it changed (the ETL will write the table
   * itself). Default: the committed simulated snapshot.
   */
  FEATURES_SNAPSHOT: z.string().default(path.join(repoRoot, 'data/features/flood_features_snapshot.csv')),
  /** training's experiment log (JSON lines), listed by the experiments query. */
  EXPERIMENTS_FILE: z.string().default(path.join(repoRoot, 'training/experiments/runs.jsonl')),
  /** Seconds a prediction stays cached (Redis with REDIS_URL, else in process); 0 = off. Default 300. */
  PREDICTION_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).default(300),
  LOG_LEVEL: setting.logLevel(),
});

export const config = Object.freeze({
  host: env.PREDICTIONS_HOST,
  port: env.PREDICTIONS_PORT,
  database: databaseOf(env, 'predictions'),
  gatewaySecret: gatewaySecretOf(env),
  redisUrl: env.REDIS_URL,
  rescoreSeconds: env.FLOOD_RESCORE_SECONDS,
  drift: {
    warning: env.DRIFT_WARNING_PSI,
    drift: env.DRIFT_PSI,
    window: env.DRIFT_WINDOW,
    minRows: env.DRIFT_MIN_ROWS,
  },
  modelsDir: env.MODELS_DIR,
  floodModelVersion: env.FLOOD_MODEL_VERSION,
  featuresSnapshot: env.FEATURES_SNAPSHOT,
  experimentsFile: env.EXPERIMENTS_FILE,
  predictionCacheTtlSeconds: env.PREDICTION_CACHE_TTL_SECONDS,
  logLevel: env.LOG_LEVEL,
});

export type PredictionsConfig = typeof config;
