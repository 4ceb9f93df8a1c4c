import { hostname } from 'node:os';
import { ConfigError, readConfig, setting } from '@cityassist/service-kit';
import { z } from 'zod';
import { pipelines } from '../../pipelines/index.ts';
import { etlProcessSettings, parseEtlProcessConfig } from '../config.ts';

/** The worker's own settings, beside the ETL's (etlProcessSettings). */
export const workerSettings = {
  ...etlProcessSettings,
  ETL_WORKER_HOST: setting.host('0.0.0.0'),
  /** /health, /ready and /metrics. Default 8080 (the Helm chart's probes). */
  ETL_WORKER_PORT: setting.port(8080),
  /**
   * This worker's identity on the engine: a restarted worker resumes the runs it was in. Stable per
   * worker (a StatefulSet pod name); default the host name.
   */
  ETL_WORKER_ID: z
    .string()
    .regex(/^[\w.-]{1,100}$/)
    .default(hostname()),
  /** Runs of another version are left to workers of that version: every worker of a deploy shares it. */
  ETL_APP_VERSION: z
    .string()
    .regex(/^[\w.+-]{1,64}$/)
    .default('cityassist-etl-1'),
  /** Runs this worker takes at once (different pipelines; one run per pipeline across all workers). */
  ETL_CONCURRENCY: setting.positiveInt(2),
  /** How often the worker polls the queue, ms. Default 1000. */
  ETL_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /**
   * Inbox scans on the engine's schedule: `pipeline=cron;pipeline=cron`, e.g.
   * `air-quality=*\/15 * * * *;weather=0 6 * * *`. Missed ticks run after downtime. Default none
   * (Kubernetes CronJobs submit instead).
   */
  ETL_SCHEDULES: z.string().default(''),
  /**
   * Models the worker retrains (docs/retraining.md), comma-separated, e.g. `flood`. Default none:
   * retraining is off, as on the image's committed data a retrain only reproduces the shipped model.
   */
  ETL_RETRAIN_MODELS: z.string().default(''),
  /** When to look for pending retraining triggers (drift, degradation). Default every 10 minutes. */
  ETL_RETRAIN_TRIGGER_CRON: z.string().default('*/10 * * * *'),
  /** Scheduled retrains whatever is pending, e.g. `0 3 * * 0` (Sundays 03:00 UTC). Default none. */
  ETL_RETRAIN_SCHEDULE: z.string().default(''),
};

/** Models the retraining job knows (subgraphs/predictions/src/retraining/retraining-job.ts CHAINS). */
const RETRAINABLE = ['flood'];

export function parseWorkerConfig(source: NodeJS.ProcessEnv = process.env) {
  const env = readConfig(workerSettings, source);
  const base = parseEtlProcessConfig(
    source,
    pipelines.map((p) => p.name),
  );
  if (!('url' in base.database)) {
    throw new ConfigError(
      'Invalid settings:\n  DATABASE_URL: the worker runs on the job engine, which needs Postgres',
    );
  }
  const schedules: Record<string, string> = {};
  for (const entry of env.ETL_SCHEDULES.split(';')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [name, pattern] = entry.split('=').map((s) => s.trim());
    if (!name || !pattern || !pipelines.some((p) => p.name === name) || pattern.split(/\s+/).length < 5) {
      throw new ConfigError(
        `Invalid settings:\n  ETL_SCHEDULES: "${entry}" is not <pipeline>=<cron pattern> with a known pipeline`,
      );
    }
    schedules[name] = pattern;
  }
  const retrainModels = env.ETL_RETRAIN_MODELS.split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  for (const m of retrainModels) {
    if (!RETRAINABLE.includes(m)) {
      throw new ConfigError(
        `Invalid settings:\n  ETL_RETRAIN_MODELS: no retraining for "${m}" (there is ${RETRAINABLE.join(', ')})`,
      );
    }
  }
  for (const [key, pattern] of [
    ['ETL_RETRAIN_TRIGGER_CRON', env.ETL_RETRAIN_TRIGGER_CRON],
    ['ETL_RETRAIN_SCHEDULE', env.ETL_RETRAIN_SCHEDULE],
  ] as const) {
    if (pattern && pattern.trim().split(/\s+/).length < 5) {
      throw new ConfigError(`Invalid settings:\n  ${key}: "${pattern}" is not a cron pattern`);
    }
  }
  return Object.freeze({
    ...base,
    databaseUrl: base.database.url,
    host: env.ETL_WORKER_HOST,
    port: env.ETL_WORKER_PORT,
    workerId: env.ETL_WORKER_ID,
    appVersion: env.ETL_APP_VERSION,
    concurrency: env.ETL_CONCURRENCY,
    pollMs: env.ETL_POLL_MS,
    schedules,
    retraining: {
      models: retrainModels,
      triggerCron: env.ETL_RETRAIN_TRIGGER_CRON.trim(),
      schedule: env.ETL_RETRAIN_SCHEDULE.trim() || undefined,
    },
  });
}

export type WorkerConfig = ReturnType<typeof parseWorkerConfig>;
