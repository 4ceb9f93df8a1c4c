import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, databaseOf, databaseSettings, readConfig, setting } from '@cityassist/service-kit';
import type { S3Settings } from './sources.ts';
import { z } from 'zod';

/** `air-quality` → `AIR_QUALITY`: the suffix of a pipeline's own settings. */
export const settingNameOf = (pipeline: string) => pipeline.toUpperCase().replaceAll('-', '_');

/**
 * The feature store and pipeline settings, shared by every process that runs pipelines: the
 * predictions service (embedded default), the worker and the CLI.
 */
export const etlSettings = {
  /** The offline store's folder (Parquet by view, version and date). Default `<DATA_DIR>/feature-store`. */
  FEATURE_STORE_DIR: z.string().min(1).optional(),
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

export interface EtlConfig {
  s3: S3Settings;
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
  return {
    s3: s3Of(env),
    offlineDir: path.resolve(env.FEATURE_STORE_DIR ?? path.join(dataDir, 'feature-store')),
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
