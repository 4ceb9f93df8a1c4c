import path from 'node:path';
import { migrate, openDatabase, type Database } from '@cityassist/db';
import { createEventBus, DRIFT_DETECTED, type EventBus } from '@cityassist/events';
import { ZoneIndex } from '@cityassist/geo';
import {
  createCacheMetrics,
  createPredictionCache,
  type Assignment,
  type CachedScoredImage,
} from '@cityassist/inference';
import {
  createMetrics,
  loaderFamily,
  startSubgraphServer,
  type Logger,
  type RunningServer,
} from '@cityassist/service-kit';
import DataLoader from 'dataloader';
import type { ReportsConfig } from './config.ts';
import type { ReportsContext } from './context.ts';
import { followFloodLevels } from './flood-level/flood-level.listener.ts';
import { FloodLevelRepository } from './flood-level/flood-level.repository.ts';
import { syncFloodLevels } from './flood-level/flood-level.sync.ts';
import { PhotoSanitiser } from './photo/photo-sanitiser.ts';
import { IdempotencyKeys, idempotencyKeyHeaderPlugin } from './report/idempotency.ts';
import { ReportIntake } from './report/report-intake.ts';
import { ReportRepository } from './report/report.repository.ts';
import type { CitizenReport, ReportStatus } from './report/report.type.ts';
import { buildReportsSchema } from './schema.ts';
import type { ObjectStore } from './storage/object-store.ts';
import { openObjectStore } from './storage/open-store.ts';
import { sweepOrphans } from './storage/orphan-sweep.ts';
import { ClassifierSlot, type ImageClassifier } from './triage/image-classifier.ts';
import { followImageAssignment } from './triage/image-assignment.ts';
import { RoutedImageClassifier } from './triage/image-router.ts';
import { TriageService } from './triage/triage.service.ts';
import { uploadMiddleware } from './upload/upload.ts';
import { WorkflowRepository } from './workflow/workflow.repository.ts';
import type { ReportTransition } from './workflow/workflow.type.ts';

/**
 * What the service otherwise makes from its settings. Tests pass their own (a model that fails, a
 * bus they publish on); what is passed in belongs to the caller and is not closed here.
 */
export interface ReportsDependencies {
  /** Default: the image model under MODELS_DIR, retried in the background when it fails to load. */
  classifier?: ImageClassifier;
  /** Default: the Redis bus with REDIS_URL, else an in-process one. */
  events?: EventBus;
  /** Default: the folder or S3 store the settings name. */
  store?: ObjectStore;
  /** Default: the database the settings name. */
  db?: Database;
  /** Called after each flood.levels event is stored. */
  onFloodLevels?: () => void;
}

export async function startReportsService(
  config: ReportsConfig,
  logger: Logger,
  deps: ReportsDependencies = {},
): Promise<RunningServer> {
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const metrics = createMetrics('reports');
    const zones = await ZoneIndex.fromFile(config.zonesFile);
    const events =
      deps.events ?? (await createEventBus(config.redisUrl, { logger, registry: metrics.registry }));
    if (!deps.events) closers.push(() => events.close());
    const db = deps.db ?? (await openDatabase(config.database));
    if (!deps.db) closers.push(() => db.close());
    const applied = await migrate(db, {
      dir: path.join(import.meta.dirname, 'migrations'),
      schema: 'reports',
    });
    if (applied.length) logger.info({ applied }, 'migrations applied');
    const reports = new ReportRepository(db);
    const workflow = new WorkflowRepository(db);
    // Idempotency keys older than 24 hours are deleted now and every hour (they count for nothing anyway).
    const idempotencyKeys = new IdempotencyKeys(db);
    closers.push(await idempotencyKeys.startPurging(logger));

    const store = deps.store ?? (await openObjectStore(config.storage));
    if (!deps.store) closers.push(() => store.close());
    await sweepOrphans(store, (keys) => reports.referencedKeys(keys), config.orphanMinAgeMs, logger);

    // The image model's versions as the registry (in predictions) assigns them; until it answers,
    // or without PREDICTIONS_URL, IMAGE_MODEL_VERSION is the champion.
    // The image model's scores by version + photo tensor (Redis with REDIS_URL): a photo classified
    // again, or retried after a failure, skips the model.
    const imageCache = deps.classifier
      ? undefined
      : await createPredictionCache<CachedScoredImage>({
          name: 'image',
          redisUrl: config.redisUrl,
          ttlSeconds: config.triage.cacheTtlSeconds,
          metrics: createCacheMetrics(metrics.registry),
          logger,
          registry: metrics.registry,
        });
    if (imageCache) closers.push(() => imageCache.close());
    let assignment: Assignment = { champion: config.triage.modelVersion };
    const start = deps.classifier
      ? undefined
      : RoutedImageClassifier.starter(
          config.triage,
          config.uploads.maxPixels,
          metrics.registry,
          logger,
          {
            options: config.triage.drift,
            // The image model's drift reaches predictions' driftDetected subscribers over the bus.
            sink: (event) => {
              events.pubSub.publish(DRIFT_DETECTED, event);
              const { level, ...rest } = event;
              logger.warn({ ...rest, driftLevel: level }, 'feature drift changed');
              return Promise.resolve();
            },
          },
          imageCache,
        );
    const model = new ClassifierSlot(deps.classifier, start && (() => start(assignment)), logger);
    closers.push(() => model.close());
    // A model that cannot load does not stop the service: reports are accepted untriaged.
    await model.ensure();
    if (!deps.classifier && config.floodLevels.predictionsUrl) {
      const stop = followImageAssignment(
        async (next) => {
          assignment = next;
          const routed = model.current;
          if (routed instanceof RoutedImageClassifier) await routed.apply(next, config.triage.modelsDir);
          else await model.ensure(); // loads with the new assignment
        },
        events,
        logger,
        {
          predictionsUrl: config.floodLevels.predictionsUrl,
          gatewaySecret: config.gatewaySecret,
          everySeconds: config.triage.assignmentSyncSeconds,
        },
      );
      closers.push(() => Promise.resolve(stop()));
    }

    const floodLevels = new FloodLevelRepository(db);
    const stopFollowing = followFloodLevels(events, floodLevels, logger, deps.onFloodLevels);
    closers.push(stopFollowing);
    if (config.floodLevels.predictionsUrl) {
      const stopSync = syncFloodLevels(
        floodLevels,
        events,
        logger,
        {
          ...config.floodLevels,
          predictionsUrl: config.floodLevels.predictionsUrl,
          gatewaySecret: config.gatewaySecret,
        },
        deps.onFloodLevels,
      );
      closers.push(() => Promise.resolve(stopSync()));
    }

    const triage = new TriageService(model, reports, floodLevels, store, events, logger, config.triage);
    triage.start();
    closers.push(() => triage.stop());

    const intake = new ReportIntake({
      zones,
      reports,
      sanitiser: new PhotoSanitiser(config.uploads),
      store,
      triage,
      events,
      limits: config.uploads,
      keys: idempotencyKeys,
    });

    const server = await startSubgraphServer<ReportsContext>({
      name: 'reports',
      schema: await buildReportsSchema(events.pubSub),
      subscriptions: true,
      host: config.host,
      port: config.port,
      logger,
      gatewaySecret: config.gatewaySecret,
      shutdownDelayMs: config.shutdownDelayMs,
      metrics,
      beforeGraphQL: [uploadMiddleware(config.uploads, logger)],
      plugins: [idempotencyKeyHeaderPlugin()],
      // The image model is not a readiness check on purpose: without it reports are still accepted.
      degraded: () => (events.up ? [] : ['redis']),
      readiness: {
        database: () => db.ping(),
        store: () => store.ping(),
      },
      context: (base) => ({
        ...base,
        reports,
        zones,
        events,
        store,
        intake,
        workflow,
        reportsByZone: loaderFamily(
          (status: ReportStatus | null) =>
            new DataLoader<string, CitizenReport[]>((ids) => reports.byZones(ids, status)),
        ),
        historyByReport: new DataLoader<string, ReportTransition[]>((ids) => workflow.historyOf(ids)),
      }),
    });
    closers.push(() => server.close());
    return { ...server, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
