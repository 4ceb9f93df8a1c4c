import path from 'node:path';
import {
  databaseOf,
  databaseSettings,
  driftOf,
  driftSettings,
  predictionCacheSettings,
  gatewaySecretOf,
  readConfig,
  redisSettings,
  setting,
  shutdownSettings,
  trustSettings,
} from '@cityassist/service-kit';
import { etlOf, etlSettings, pipelines } from '@cityassist/etl';
import { z } from 'zod';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

const version = z
  .string()
  .regex(/^(latest|[A-Za-z0-9][\w.-]{0,63})$/, 'must be "latest" or a version folder name');

type Version = typeof version;
type Share = z.ZodDefault<z.ZodNumber>;
type VersionSettings<P extends string> = Record<`${P}_MODEL_VERSION`, z.ZodDefault<Version>> &
  Record<`${P}_CANARY_VERSION` | `${P}_SHADOW_VERSION`, z.ZodOptional<Version>> &
  Record<`${P}_CANARY_SHARE`, Share>;
type RoutingSettings<P extends string> = VersionSettings<P> &
  Record<`${P}_CANARY_ASSIGNMENT`, z.ZodDefault<z.ZodEnum<{ zone: 'zone'; request: 'request' }>>> &
  Record<`${P}_MODEL_BACKEND`, z.ZodOptional<z.ZodEnum<{ worker: 'worker'; inline: 'inline' }>>>;

/**
 * The settings that choose a model's versions, the same for every model the registry keeps:
 * `<P>_MODEL_VERSION` the champion (`latest` = the highest x.y.z present), `<P>_CANARY_VERSION` a
 * version that answers `<P>_CANARY_SHARE` (default 0.01) of the keys (zones, sensors, photos) by
 * hash, and `<P>_SHADOW_VERSION` a version scored beside the champion and compared, never answering.
 */
function versionSettings<P extends string>(prefix: P, champion: string): VersionSettings<P> {
  return {
    [`${prefix}_MODEL_VERSION`]: version.default(champion),
    [`${prefix}_CANARY_VERSION`]: version.optional(),
    [`${prefix}_CANARY_SHARE`]: z.coerce.number().gt(0).lte(1).default(0.01),
    [`${prefix}_SHADOW_VERSION`]: version.optional(),
  } as VersionSettings<P>;
}

/**
 * A model this service serves: its version settings, plus `<P>_CANARY_ASSIGNMENT` `zone` (a key
 * always meets the same version) or `request`, and `<P>_MODEL_BACKEND` `worker` or `inline` for
 * this model alone (default MODEL_BACKEND), so the choice follows each model's own measurement.
 */
function routing<P extends string>(prefix: P, champion: string): RoutingSettings<P> {
  return {
    ...versionSettings(prefix, champion),
    [`${prefix}_CANARY_ASSIGNMENT`]: z.enum(['zone', 'request']).default('zone'),
    [`${prefix}_MODEL_BACKEND`]: z.enum(['worker', 'inline']).optional(),
  } as RoutingSettings<P>;
}

/** A model's versions from its settings (read from the validated environment). */
function versionsOf(env: Readonly<Record<string, unknown>>, prefix: string) {
  const canary = env[`${prefix}_CANARY_VERSION`] as string | undefined;
  return {
    champion: env[`${prefix}_MODEL_VERSION`] as string,
    canary: canary ? { version: canary, share: env[`${prefix}_CANARY_SHARE`] as number } : undefined,
    shadow: env[`${prefix}_SHADOW_VERSION`] as string | undefined,
  };
}

/** A served model's routing from its settings. */
function routingOf(env: Readonly<Record<string, unknown>>, prefix: string) {
  return {
    ...versionsOf(env, prefix),
    canaryAssignment: env[`${prefix}_CANARY_ASSIGNMENT`] as 'zone' | 'request',
    backend: env[`${prefix}_MODEL_BACKEND`] as 'worker' | 'inline' | undefined,
  };
}

/** Every setting this service reads, by environment variable. */
export const settings = {
  PREDICTIONS_HOST: setting.host(),
  /** Port of the predictions subgraph. Default 4003; 0 picks a free one (tests). */
  PREDICTIONS_PORT: setting.port(4003),
  ...databaseSettings,
  ...trustSettings,
  ...shutdownSettings,
  ...redisSettings,
  ...driftSettings,
  /** Seconds between re-scores of every zone (flood alerts); 0 turns the schedule off. Default 300. */
  FLOOD_RESCORE_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Where `models/<name>/<version>/` live. Default: the repository's models/. */
  MODELS_DIR: z.string().default(path.join(repoRoot, 'models')),
  /**
   * Champion flood version (`latest` = the highest x.y.z present). Like every *_MODEL_VERSION,
   * applied at start when it differs from the value applied at the previous start, so promotions
   * made through the API survive restarts. FLOOD_CANARY_*, FLOOD_SHADOW_VERSION: see routing().
   * Default champion 1.2.0: no input computed from the label (1.0.0's `flooded_fraction` came from
   * the same simulated ponding as the label; issue 17 part 1). 1.0.0 stays for a rollback.
   */
  ...routing('FLOOD', '1.2.0'),
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
   * Where model sessions run unless a model's own <P>_MODEL_BACKEND says otherwise: `worker`
   * (default) in a thread of their own, so the event loop stays free and MODEL_TIMEOUT_MS cuts a
   * slow call short (about +0.1–0.2 ms a call, `npm run bench:backends`); `inline` on the event
   * loop, where a slow call is only refused once it has returned.
   */
  MODEL_BACKEND: z.enum(['worker', 'inline']).default('worker'),
  /** How old a zone's last good prediction may be to serve as its fallback. Default 3600 s. */
  FALLBACK_MAX_AGE_SECONDS: z.coerce.number().int().min(0).default(3600),
  /** Worker threads for TreeSHAP explanations; 0 computes them on the event loop. Default 1. */
  EXPLAIN_THREADS: z.coerce.number().int().min(0).max(16).default(1),
  /**
   * Explanations of at most this many rows stay on the event loop, where handing them to a thread
   * costs more than the walk (a flood row ~0.1 ms). Default 8; 0 sends every batch to a thread.
   */
  EXPLAIN_INLINE_ROWS: z.coerce.number().int().min(0).max(1000).default(8),
  /** The feature store and the embedded pipelines (FEATURE_STORE_DIR, ETL_EMBEDDED, …): see @cityassist/etl. */
  ...etlSettings,
  /** Largest delivery `runPipeline(file:)` accepts as an upload, in bytes. Default 256 MiB. */
  ETL_UPLOAD_MAX_BYTES: setting.positiveInt(256 * 1024 * 1024),
  /** AQI forecaster versions: AQI_MODEL_VERSION (default 1.0.0), AQI_CANARY_*, AQI_SHADOW_VERSION. */
  ...routing('AQI', '1.0.0'),
  /** Air-quality sensors the feature store is seeded from. Default: the committed simulated Olinda sensors. */
  AQI_SENSORS_FILE: z.string().default(path.join(repoRoot, 'data/airquality/olinda-sim/sensors.csv')),
  /** A zone farther than this from every sensor (centroid to sensor) gets no AQI forecast. Default 5 km. */
  AQI_MAX_SENSOR_DISTANCE_KM: z.coerce.number().positive().default(5),
  /**
   * AQI intervals: `online` recalibrates them per horizon and side on the model's own observed errors
   * (docs/aqi-forecast.md, "Intervals that hold"); `static` serves the model file's conformal offsets.
   */
  AQI_INTERVAL_CALIBRATION: z.enum(['online', 'static']).default('online'),
  /** Scores kept per horizon (default: the window chosen in training, interval_calibration.json). */
  AQI_INTERVAL_WINDOW: z.coerce.number().int().min(50).max(100_000).optional(),
  /** ACI step per observed error (default: the gamma chosen in training); 0 keeps the levels fixed. */
  AQI_INTERVAL_GAMMA: z.coerce.number().min(0).max(0.05).optional(),
  /**
   * The image model's versions, which the reports service serves as this registry assigns them
   * (it follows `modelAssignment(name: "image")`): IMAGE_MODEL_VERSION the champion (reports reads
   * the same variable until it reaches this service), IMAGE_CANARY_VERSION a version that triages
   * IMAGE_CANARY_SHARE of the photos (by a hash of the photo), IMAGE_SHADOW_VERSION one that
   * classifies beside the champion and is compared. Applied when they changed since the last start.
   * Default champion 1.1.0: the out-of-distribution gate and the flooding class (issue 17 part 4).
   */
  ...versionSettings('IMAGE', '1.1.0'),
  /** Energy-demand forecaster versions: ENERGY_MODEL_VERSION (default 1.0.0), ENERGY_CANARY_*, …. */
  ...routing('ENERGY', '1.0.0'),
  /** training's experiment log (JSON lines), listed by the experiments query. */
  EXPERIMENTS_FILE: z.string().default(path.join(repoRoot, 'training/experiments/runs.jsonl')),
  ...predictionCacheSettings,
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
    drift: driftOf(env),
    modelsDir: env.MODELS_DIR,
    flood: routingOf(env, 'FLOOD'),
    inference: {
      batching: env.INFERENCE_BATCHING,
      batch: { maxBatchSize: env.INFERENCE_BATCH_MAX_SIZE, maxWaitMs: env.INFERENCE_BATCH_WAIT_MS },
      timeoutMs: env.MODEL_TIMEOUT_MS,
      backend: env.MODEL_BACKEND,
      fallbackMaxAgeSeconds: env.FALLBACK_MAX_AGE_SECONDS,
      explainThreads: env.EXPLAIN_THREADS,
      explainInlineRows: env.EXPLAIN_INLINE_ROWS,
    },
    etl: etlOf(
      env,
      source,
      pipelines.map((p) => p.name),
    ),
    etlUpload: { maxBytes: env.ETL_UPLOAD_MAX_BYTES },
    aqi: {
      ...routingOf(env, 'AQI'),
      sensorsFile: env.AQI_SENSORS_FILE,
      maxSensorDistanceKm: env.AQI_MAX_SENSOR_DISTANCE_KM,
      intervals: {
        method: env.AQI_INTERVAL_CALIBRATION,
        window: env.AQI_INTERVAL_WINDOW,
        gamma: env.AQI_INTERVAL_GAMMA,
      },
    },
    energy: routingOf(env, 'ENERGY'),
    /** The versions of the models other services serve, as this registry assigns them. */
    servedElsewhere: {
      image: versionsOf(env, 'IMAGE'),
    },
    experimentsFile: env.EXPERIMENTS_FILE,
    predictionCacheTtlSeconds: env.PREDICTION_CACHE_TTL_SECONDS,
    shutdownDelayMs: env.SHUTDOWN_DELAY_MS,
    logLevel: env.LOG_LEVEL,
  });
}

export type PredictionsConfig = ReturnType<typeof parseConfig>;
