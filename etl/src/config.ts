import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, databaseOf, databaseSettings, readConfig, setting } from '@cityassist/service-kit';
import type { S3Settings } from './sources.ts';
import { z } from 'zod';
import { rainGaugeSettings } from '../pipelines/rain-gauge/settings.ts';

/** `air-quality` → `AIR_QUALITY`: the suffix of a pipeline's own settings. */
export const settingNameOf = (pipeline: string) => pipeline.toUpperCase().replaceAll('-', '_');

/**
 * The feature store and pipeline settings, shared by every process that runs pipelines: the
 * predictions service (embedded default), the worker and the CLI.
 */
export const etlSettings = {
  ...rainGaugeSettings,
  /**
   * The offline store's local folder (Parquet by view, version and date). Default
   * `<DATA_DIR>/feature-store`. With FEATURE_STORE_URI on S3 it holds the staging and read cache.
   */
  FEATURE_STORE_DIR: z.string().min(1).optional(),
  /**
   * Where the offline store is: a local path (default FEATURE_STORE_DIR) or `s3://bucket/prefix`
   * (with the S3_* connection settings), the production choice: every worker and the service then
   * read and write the same versions.
   */
  FEATURE_STORE_URI: z
    .string()
    .min(1)
    .refine(
      (v) => v.startsWith('s3://') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(v),
      'a local path or s3://bucket/prefix',
    )
    .optional(),
  /**
   * Run the pipelines inside the predictions service, over their committed raw extracts on start
   * (a delivery already loaded is skipped by its hash). Default true; false when workers run them.
   */
  ETL_EMBEDDED: setting.bool(true),
  /** DuckDB's memory limit per run; beyond it a run spills to disk. Default 512MB. */
  ETL_MEMORY_LIMIT: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, 'e.g. 512MB')
    .default('512MB'),
  /** Where deliveries are dropped to be run by name, one folder per pipeline. Default `<DATA_DIR>/inbox`. */
  ETL_INBOX_DIR: z.string().min(1).optional(),
  /** Seconds between scans of the inbox folders in the embedded default; 0 = never. Default 60. */
  ETL_INBOX_SECONDS: z.coerce.number().int().min(0).default(60),
  /** Prepended to each pipeline's code hash in lineage: the image tag or git commit. */
  CODE_VERSION: z
    .string()
    .regex(/^[\w.+-]{1,64}$/)
    .optional(),
  /** S3-compatible endpoint for s3:// sources (MinIO, Ceph, …); unset means AWS itself. */
  S3_ENDPOINT: setting.url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** S3 credentials; unset, the AWS SDK's default chain (environment, instance role) answers. */
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: setting.bool(true),
};

/** The settings of a process that runs pipelines on its own (the CLI, the worker). */
export const etlProcessSettings = {
  ...databaseSettings,
  ...etlSettings,
  LOG_LEVEL: setting.logLevel(),
};

/**
 * The CLI's and the worker's settings, validated: the predictions service's database (its
 * DATABASE_URL, or its embedded folder `<DATA_DIR>/predictions`) holds the feature store.
 */
export function parseEtlProcessConfig(source: NodeJS.ProcessEnv, pipelineNames: readonly string[]) {
  const env = readConfig(etlProcessSettings, source);
  if (!env.S3_ACCESS_KEY_ID !== !env.S3_SECRET_ACCESS_KEY) {
    throw new ConfigError('Invalid settings:\n  S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both or neither');
  }
  return Object.freeze({
    database: databaseOf(env, 'predictions'),
    etl: etlOf(env, source, pipelineNames),
    logLevel: env.LOG_LEVEL,
  });
}

export function s3Of(env: {
  S3_ENDPOINT?: string | undefined;
  S3_REGION: string;
  S3_ACCESS_KEY_ID?: string | undefined;
  S3_SECRET_ACCESS_KEY?: string | undefined;
  S3_FORCE_PATH_STYLE: boolean;
}): S3Settings {
  return {
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
  };
}

export type OfflineLocation = { kind: 'folder'; dir: string } | { kind: 's3'; uri: string };

export interface EtlConfig {
  s3: S3Settings;
  /** Where the offline store is: `openOfflineStore` builds it. */
  offline: OfflineLocation;
  /** The local folder: the folder store itself, or the S3 store's staging and read cache. */
  offlineDir: string;
  /** `<dir>/<pipeline>/<file>`: deliveries dropped here can be run by name (runPipeline, the CLI). */
  inboxDir: string;
  embedded: boolean;
  inboxSeconds: number;
  memoryLimit: string;
  codeVersion: string | undefined;
  /** Per pipeline, the sources to load on start (its committed extracts unless `ETL_SOURCES_<P>` says). */
  startSources: Readonly<Record<string, readonly string[] | undefined>>;
}

/**
 * The ETL's settings from a validated environment. `ETL_SOURCES_<PIPELINE>` (comma-separated paths
 * or s3:// URIs; empty = none) replaces a pipeline's committed extracts as its start sources.
 */
export function etlOf(
  env: {
    FEATURE_STORE_DIR?: string | undefined;
    FEATURE_STORE_URI?: string | undefined;
    ETL_INBOX_DIR?: string | undefined;
    ETL_EMBEDDED: boolean;
    ETL_INBOX_SECONDS: number;
    ETL_MEMORY_LIMIT: string;
    CODE_VERSION?: string | undefined;
    DATA_DIR: string;
  } & Parameters<typeof s3Of>[0],
  source: NodeJS.ProcessEnv,
  pipelineNames: readonly string[],
): EtlConfig {
  const dataDir =
    env.DATA_DIR === 'memory://' ? path.join(tmpdir(), `cityassist-${process.pid}`) : env.DATA_DIR;
  const localDir = path.resolve(env.FEATURE_STORE_DIR ?? path.join(dataDir, 'feature-store'));
  const uri = env.FEATURE_STORE_URI;
  let offline: OfflineLocation;
  if (uri?.startsWith('s3://')) {
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(uri)) {
      throw new ConfigError('Invalid settings:\n  FEATURE_STORE_URI: expected s3://bucket[/prefix]');
    }
    offline = { kind: 's3', uri: uri.replace(/\/+$/, '') };
  } else {
    offline = { kind: 'folder', dir: uri ? path.resolve(uri) : localDir };
  }
  return {
    s3: s3Of(env),
    offline,
    offlineDir: offline.kind === 'folder' ? offline.dir : localDir,
    inboxDir: path.resolve(env.ETL_INBOX_DIR ?? path.join(dataDir, 'inbox')),
    embedded: env.ETL_EMBEDDED,
    inboxSeconds: env.ETL_INBOX_SECONDS,
    memoryLimit: env.ETL_MEMORY_LIMIT,
    codeVersion: env.CODE_VERSION,
    startSources: Object.fromEntries(
      pipelineNames.map((name) => {
        const value = source[`ETL_SOURCES_${settingNameOf(name)}`];
        return [
          name,
          value === undefined
            ? undefined
            : value
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
        ];
      }),
    ),
  };
}
