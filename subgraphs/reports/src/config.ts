import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_ZONES_FILE } from '@cityassist/geo';
import {
  ConfigError,
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
import { z } from 'zod';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** Every setting this service reads, by environment variable. */
export const settings = {
  REPORTS_HOST: setting.host(),
  /** Port of the reports subgraph. Default 4002; 0 picks a free one (tests). */
  REPORTS_PORT: setting.port(4002),
  ...databaseSettings,
  ...trustSettings,
  ...shutdownSettings,
  ...redisSettings,
  /** Zone boundaries a report's zone is checked against. Default: the committed Olinda extract. */
  ZONES_FILE: z.string().default(DEFAULT_ZONES_FILE),
  /**
   * The predictions subgraph, read for every zone's current flood level at start, after the event
   * bus reconnects and every FLOOD_LEVEL_SYNC_SECONDS (events alone miss what was published before
   * a start or during a Redis outage, and without Redis never cross processes). Unset: events only.
   */
  PREDICTIONS_URL: setting.url().optional(),
  /** Seconds between two reads of the flood levels from PREDICTIONS_URL; 0 = only at start and reconnect. Default 300. */
  FLOOD_LEVEL_SYNC_SECONDS: z.coerce.number().int().min(0).default(300),
  /**
   * Seconds between two reads of the image model's assignment (champion, canary, shadow) from the
   * registry at PREDICTIONS_URL, beside the MODEL_CHANGED events; 0 = only at start, on events and
   * after a reconnect. Default 300.
   */
  IMAGE_ASSIGNMENT_SYNC_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Drift of the image model's watched values (brightness, confidence), as predictions has for its models. */
  ...driftSettings,
  /** The image model's scores by version + exact photo tensor; 0 = off. */
  ...predictionCacheSettings,
  /** Largest photo accepted, in bytes. Default 10 MiB (10485760). */
  UPLOAD_MAX_BYTES: setting.positiveInt(10 * 1024 * 1024),
  /** Files one request may carry. Default 1. */
  UPLOAD_MAX_FILES: setting.positiveInt(1),
  /** Largest photo decoded, in megapixels (width × height / 10⁶). Default 40. */
  UPLOAD_MAX_MEGAPIXELS: z.coerce.number().positive().max(268).default(40),
  /**
   * Longest side of the stored copy, in pixels; larger photos are scaled down. Default 2048: enough
   * to see a pothole, and a 12 MP phone photo triages in ~0.25 s instead of ~0.6 s at full size.
   */
  PHOTO_MAX_EDGE: z.coerce.number().int().min(128).max(16384).default(2048),
  /** Folder of the photo store when S3_BUCKET is unset. Default `<DATA_DIR>/uploads`. */
  UPLOADS_DIR: z.string().optional(),
  /** S3-compatible bucket for photos; set, it replaces the folder store. */
  S3_BUCKET: z.string().min(3).optional(),
  /** S3 endpoint URL (MinIO, Ceph, …); unset means AWS itself. */
  S3_ENDPOINT: setting.url().optional(),
  /** S3 region. Default us-east-1. */
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** S3 credentials; unset, the AWS SDK's default chain (environment, instance role) answers. */
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. Default true. */
  S3_FORCE_PATH_STYLE: setting.bool(true),
  /** Where `models/<name>/<version>/` live. Default: the repository's models/. */
  MODELS_DIR: z.string().default(path.join(repoRoot, 'models')),
  /**
   * Image model version that triages photos (`latest` = the highest present). Default 1.1.0: the
   * first with the out-of-distribution gate and the flooding class (issue 17 part 4).
   */
  IMAGE_MODEL_VERSION: z
    .string()
    .regex(/^(latest|[A-Za-z0-9][\w.-]{0,63})$/, 'must be "latest" or a version folder name')
    .default('1.1.0'),
  /** Most photos in one model call across concurrent requests. Default 16. */
  IMAGE_BATCH_MAX_SIZE: z.coerce.number().int().min(1).max(256).default(16),
  /**
   * How long a model call waits for other requests' photos, in ms. Default 0 (photos batch only
   * when they arrive together): on a 2-core machine a 5 ms wait gave 12.9 photos/s against 18.7
   * without (bench:triage), since decoding and the heatmap, not the model, bound the throughput.
   */
  IMAGE_BATCH_WAIT_MS: z.coerce.number().min(0).max(1000).default(0),
  /** A triage slower than this leaves the report untriaged for the retry. Default 10000 ms. */
  TRIAGE_TIMEOUT_MS: setting.positiveInt(10_000),
  /** How often untriaged reports are retried (and a failed model load), in ms; 0 = never. Default 60000. */
  TRIAGE_RETRY_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  /** Stored images with no report that are older than this are deleted at start. Default 15 minutes. */
  ORPHAN_MIN_AGE_MINUTES: z.coerce.number().min(0).default(15),
  LOG_LEVEL: setting.logLevel(),
};

/**
 * The service's settings from an environment (default: the process's), validated and frozen. Pure:
 * tests call it with the variables they care about and get every other default as production does.
 */
export function parseConfig(source: NodeJS.ProcessEnv = process.env) {
  const env = readConfig(settings, source);
  if (env.S3_BUCKET && !env.S3_ACCESS_KEY_ID !== !env.S3_SECRET_ACCESS_KEY) {
    throw new ConfigError('Invalid settings:\n  S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both or neither');
  }

  // PGlite in memory keeps nothing, so neither should the photos it would point at outlive the run.
  const defaultUploadsDir =
    env.DATA_DIR === 'memory://'
      ? path.join(tmpdir(), `cityassist-uploads-${process.pid}`)
      : path.resolve(env.DATA_DIR, 'uploads');

  return Object.freeze({
    host: env.REPORTS_HOST,
    port: env.REPORTS_PORT,
    database: databaseOf(env, 'reports'),
    gatewaySecret: gatewaySecretOf(env),
    redisUrl: env.REDIS_URL,
    zonesFile: env.ZONES_FILE,
    floodLevels: { predictionsUrl: env.PREDICTIONS_URL, everySeconds: env.FLOOD_LEVEL_SYNC_SECONDS },
    uploads: {
      maxBytes: env.UPLOAD_MAX_BYTES,
      maxFiles: env.UPLOAD_MAX_FILES,
      maxPixels: Math.round(env.UPLOAD_MAX_MEGAPIXELS * 1_000_000),
      maxEdge: env.PHOTO_MAX_EDGE,
    },
    storage: env.S3_BUCKET
      ? {
          kind: 's3' as const,
          bucket: env.S3_BUCKET,
          endpoint: env.S3_ENDPOINT,
          region: env.S3_REGION,
          credentials:
            env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
              ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
              : undefined,
          forcePathStyle: env.S3_FORCE_PATH_STYLE,
        }
      : { kind: 'folder' as const, dir: path.resolve(env.UPLOADS_DIR ?? defaultUploadsDir) },
    orphanMinAgeMs: env.ORPHAN_MIN_AGE_MINUTES * 60_000,
    triage: {
      modelsDir: env.MODELS_DIR,
      modelVersion: env.IMAGE_MODEL_VERSION,
      assignmentSyncSeconds: env.IMAGE_ASSIGNMENT_SYNC_SECONDS,
      drift: driftOf(env),
      cacheTtlSeconds: env.PREDICTION_CACHE_TTL_SECONDS,
      batch: { maxBatchSize: env.IMAGE_BATCH_MAX_SIZE, maxWaitMs: env.IMAGE_BATCH_WAIT_MS },
      timeoutMs: env.TRIAGE_TIMEOUT_MS,
      retryIntervalMs: env.TRIAGE_RETRY_INTERVAL_MS,
    },
    shutdownDelayMs: env.SHUTDOWN_DELAY_MS,
    logLevel: env.LOG_LEVEL,
  });
}

export type ReportsConfig = ReturnType<typeof parseConfig>;
