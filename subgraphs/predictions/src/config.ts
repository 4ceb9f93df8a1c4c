import path from 'node:path';
import {
  databaseOf,
  databaseSettings,
  gatewaySecretOf,
  readConfig,
  redisSettings,
  setting,
  shutdownSettings,
  trustSettings,
} from '@cityassist/service-kit';
import { z } from 'zod';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

const version = z
  .string()
  .regex(/^(latest|[A-Za-z0-9][\w.-]{0,63})$/, 'must be "latest" or a version folder name');

/** Every setting this service reads, by environment variable. */
export const settings = {
  PREDICTIONS_HOST: setting.host(),
  /** Port of the predictions subgraph. Default 4003; 0 picks a free one (tests). */
  PREDICTIONS_PORT: setting.port(4003),
  ...databaseSettings,
  ...trustSettings,
  ...shutdownSettings,
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
  /**
   * Champion flood version (`latest` = the highest present). Applied at start when it differs from
   * the value applied at the previous start, so promotions made through the API survive restarts.
   */
  FLOOD_MODEL_VERSION: version.default('1.0.0'),
  /** A version to answer FLOOD_CANARY_SHARE of the zones beside the champion; unset = none. */
  FLOOD_CANARY_VERSION: version.optional(),
  /** Share of zones (0, 1] the canary answers, by a hash of the zone id. Default 0.01. */
  FLOOD_CANARY_SHARE: z.coerce.number().gt(0).lte(1).default(0.01),
  /** `zone`: a zone always meets the same version; `request`: a whole request does. Default zone. */
  FLOOD_CANARY_ASSIGNMENT: z.enum(['zone', 'request']).default('zone'),
  /** A version scored beside the champion on its rows and compared, never answering; unset = none. */
  FLOOD_SHADOW_VERSION: version.optional(),
  /** All zones of a request in one model call (true); false scores zone by zone (benchmarks). */
  INFERENCE_BATCHING: setting.bool(true),
  /** Most rows in one model call across concurrent requests (Triton's max_batch_size). Default 1024. */
  INFERENCE_BATCH_MAX_SIZE: z.coerce.number().int().min(1).max(100_000).default(1024),
  /**
   * How long a model call waits for other requests' rows, in ms; 0 = no cross-request wait. Default
   * 0: with 2 ms, 64 concurrent single-zone queries made 5.7× fewer flood model calls but ran no
   * faster (0.95×, bench:serving), a row costing ~0.1 ms of model time. Raise it for a heavier model.
   */
  INFERENCE_BATCH_WAIT_MS: z.coerce.number().min(0).max(1000).default(0),
  /** A model call slower than this fails and the answer falls back (degraded). Default 2000 ms. */
  MODEL_TIMEOUT_MS: z.coerce.number().int().min(0).default(2000),
  /**
   * Where the flood and AQI sessions run: `worker` (default) in a thread of their own, so the event
   * loop stays free and MODEL_TIMEOUT_MS cuts a slow call short (+0.03 ms a call for one row,
   * +0.14 ms for 470, measured); `inline` on the event loop, where a slow call is only refused once
   * it has returned.
   */
  MODEL_BACKEND: z.enum(['worker', 'inline']).default('worker'),
  /** How old a zone's last good prediction may be to serve as its fallback. Default 3600 s. */
  FALLBACK_MAX_AGE_SECONDS: z.coerce.number().int().min(0).default(3600),
  /** Worker threads for TreeSHAP explanations; 0 computes them on the event loop. Default 1. */
  EXPLAIN_THREADS: z.coerce.number().int().min(0).max(16).default(1),
  /**
   * Snapshot the feature store is seeded from when it changed (the ETL will write the table
   * itself). Default: the committed simulated snapshot.
   */
  FEATURES_SNAPSHOT: z.string().default(path.join(repoRoot, 'data/features/flood_features_snapshot.csv')),
  /** AQI forecaster version (`latest` = the highest plain x.y.z under models/aqi). Default 1.0.0. */
  AQI_MODEL_VERSION: version.default('1.0.0'),
  /** Air-quality sensors the feature store is seeded from. Default: the committed simulated Olinda sensors. */
  AQI_SENSORS_FILE: z.string().default(path.join(repoRoot, 'data/airquality/olinda-sim/sensors.csv')),
  /**
   * Sensor readings the feature store is seeded from when the file changed (ingestSensorReadings
   * adds to them). Default: the committed 14 days of simulated hourly PM2.5.
   */
  AQI_READINGS_SNAPSHOT: z
    .string()
    .default(path.join(repoRoot, 'data/airquality/olinda-sim/pm25_readings.csv')),
  /** A zone farther than this from every sensor (centroid to sensor) gets no AQI forecast. Default 5 km. */
  AQI_MAX_SENSOR_DISTANCE_KM: z.coerce.number().positive().default(5),
  /** training's experiment log (JSON lines), listed by the experiments query. */
  EXPERIMENTS_FILE: z.string().default(path.join(repoRoot, 'training/experiments/runs.jsonl')),
  /** Seconds a prediction stays cached (Redis with REDIS_URL, else in process); 0 = off. Default 300. */
  PREDICTION_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).default(300),
  LOG_LEVEL: setting.logLevel(),
};

/**
 * The service's settings from an environment (default: the process's), validated and frozen. Pure:
 * tests call it with the variables they care about and get every other default as production does.
 */
export function parseConfig(source: NodeJS.ProcessEnv = process.env) {
  const env = readConfig(settings, source);
  return Object.freeze({
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
    flood: {
      champion: env.FLOOD_MODEL_VERSION,
      canary: env.FLOOD_CANARY_VERSION
        ? { version: env.FLOOD_CANARY_VERSION, share: env.FLOOD_CANARY_SHARE }
        : undefined,
      shadow: env.FLOOD_SHADOW_VERSION,
      canaryAssignment: env.FLOOD_CANARY_ASSIGNMENT,
    },
    inference: {
      batching: env.INFERENCE_BATCHING,
      batch: { maxBatchSize: env.INFERENCE_BATCH_MAX_SIZE, maxWaitMs: env.INFERENCE_BATCH_WAIT_MS },
      timeoutMs: env.MODEL_TIMEOUT_MS,
      backend: env.MODEL_BACKEND,
      fallbackMaxAgeSeconds: env.FALLBACK_MAX_AGE_SECONDS,
      explainThreads: env.EXPLAIN_THREADS,
    },
    featuresSnapshot: env.FEATURES_SNAPSHOT,
    aqi: {
      version: env.AQI_MODEL_VERSION,
      sensorsFile: env.AQI_SENSORS_FILE,
      readingsSnapshot: env.AQI_READINGS_SNAPSHOT,
      maxSensorDistanceKm: env.AQI_MAX_SENSOR_DISTANCE_KM,
    },
    experimentsFile: env.EXPERIMENTS_FILE,
    predictionCacheTtlSeconds: env.PREDICTION_CACHE_TTL_SECONDS,
    shutdownDelayMs: env.SHUTDOWN_DELAY_MS,
    logLevel: env.LOG_LEVEL,
  });
}

export type PredictionsConfig = ReturnType<typeof parseConfig>;
