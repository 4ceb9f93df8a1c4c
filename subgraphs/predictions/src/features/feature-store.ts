import path from 'node:path';
import type { Database } from '@cityassist/db';
import {
  createEtlMetrics,
  loadStartSources,
  openOfflineStore,
  pipelines,
  pollInbox,
  sweepOfflineStore,
  type RunnerDeps,
  type RunSummary,
} from '@cityassist/etl';
import { Catalog } from '@cityassist/feature-store';
import type { Logger } from '@cityassist/service-kit';
import type { Registry } from 'prom-client';
import type { PredictionsConfig } from '../config.ts';
import type { PipelineUploadLimits } from './pipeline-upload.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../../..');

/**
 * The pipelines whose views the served models read (zone_flood_features, zone_rain_hourly,
 * sensor_pm_hourly, zone_energy_hourly): loaded before the service reports ready. The others load just after.
 */
const SERVED_BY_MODELS = new Set(['air-quality', 'rain-gauge', 'rain-radar', 'energy-load']);

export interface OpenFeatureStore {
  inboxDir: string;
  /** `runPipeline(file:)`'s limit (ETL_UPLOAD_MAX_BYTES). */
  upload: PipelineUploadLimits;
  /** Loads the start sources no served model reads; called once the service answers. */
  afterStart(): void;
  /** Runs what waits in the inbox now (the schedule does it every ETL_INBOX_SECONDS). */
  scanInbox(): Promise<RunSummary[]>;
  /** What a pipeline run needs: the database, the offline store, scratch space. */
  runner: RunnerDeps;
  catalog: Catalog;
  close(): Promise<void>;
}

/**
 * The feature store as this service holds it (its tables migrated in the service's database) and,
 * in the embedded default, the pipelines run over their committed raw extracts before any model
 * reads a feature (a delivery loaded before is skipped by its hash).
 */
export async function openFeatureStore(
  db: Database,
  config: PredictionsConfig,
  logger: Logger,
  registry: Registry,
): Promise<OpenFeatureStore> {
  const metrics = createEtlMetrics(registry, pipelines);
  const runner: RunnerDeps = {
    db,
    offline: openOfflineStore(config.etl),
    tempDir: path.join(config.etl.offlineDir, '.tmp'),
    repoRoot,
    memoryLimit: config.etl.memoryLimit,
    codeVersion: config.etl.codeVersion,
    s3: config.etl.s3,
    metrics,
  };
  let background: Promise<unknown> = Promise.resolve();
  let sweeping: Promise<unknown> = Promise.resolve();
  if (config.etl.embedded) {
    // What the served models read is loaded before the service answers; the rest after.
    await loadStartSources(
      runner,
      pipelines.filter((p) => SERVED_BY_MODELS.has(p.name)),
      config.etl,
      logger,
    );
  }
  const afterStart = () => {
    // What interrupted loads left (a version no catalog row names, older than an hour) goes.
    sweeping = sweepOfflineStore(db, runner.offline)
      .then((removed) => removed.length && logger.info({ removed }, 'offline store swept'))
      .catch((err: unknown) => logger.warn({ err }, 'offline store sweep failed'));
    if (!config.etl.embedded) return;
    background = loadStartSources(
      runner,
      pipelines.filter((p) => !SERVED_BY_MODELS.has(p.name)),
      config.etl,
      logger,
    )
      .then(() => metrics.refresh(db))
      .catch((err: unknown) => logger.warn({ err }, 'pipelines run after start failed'));
  };
  await metrics.refresh(db);
  const inbox = config.etl.embedded
    ? pollInbox(runner, pipelines, config.etl, logger, config.etl.inboxSeconds * 1000)
    : undefined;
  return {
    runner,
    catalog: new Catalog(db),
    inboxDir: config.etl.inboxDir,
    upload: config.etlUpload,
    scanInbox: () => inbox?.scan() ?? Promise.resolve([]),
    afterStart,
    close: async () => {
      await background;
      await sweeping;
      await inbox?.stop();
      runner.offline.close?.();
    },
  };
}
