import { createServer } from 'node:http';
import path from 'node:path';
import { openDatabase } from '@cityassist/db';
import { migrateFeatureStore } from '@cityassist/feature-store';
import { collectProcessMetrics, runChecks, type Logger } from '@cityassist/service-kit';
import { Registry } from 'prom-client';
import { pipelines } from '../../pipelines/index.ts';
import { createEtlMetrics } from '../metrics.ts';
import type { WorkerConfig } from './config.ts';
import { startWorkerEngine } from './engine.ts';
import { openOfflineStore, sweepOfflineStore } from '../offline.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

export interface RunningWorker {
  port: number;
  close(): Promise<void>;
}

/**
 * The ETL worker: runs the pipelines the engine hands it (submitted runs, scheduled scans, backfill
 * days) and answers /health, /ready (the database answers, the engine is launched) and /metrics.
 */
export async function startWorker(config: WorkerConfig, logger: Logger): Promise<RunningWorker> {
  const db = await openDatabase(config.database);
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'etl-worker' });
  collectProcessMetrics(registry);
  const metrics = createEtlMetrics(registry, pipelines);
  let engine: { stop(): Promise<void> } | undefined;
  const offline = openOfflineStore(config.etl);
  try {
    await migrateFeatureStore(db);
    await metrics.refresh(db);
    engine = await startWorkerEngine(
      {
        db,
        offline,
        tempDir: path.join(config.etl.offlineDir, '.tmp'),
        repoRoot,
        s3: config.etl.s3,
        memoryLimit: config.etl.memoryLimit,
        codeVersion: config.etl.codeVersion,
        metrics,
      },
      config.etl.inboxDir,
      {
        databaseUrl: config.databaseUrl,
        executorId: config.workerId,
        appVersion: config.appVersion,
        concurrency: config.concurrency,
        pollMs: config.pollMs,
        schedules: config.schedules,
        retraining: config.retraining,
        log: logger,
      },
    );
  } catch (err) {
    await engine?.stop();
    await db.close();
    throw err;
  }
  let closing = false;
  const server = createServer((req, res) => {
    void (async () => {
      const url = req.url ?? '/';
      if (url === '/health') {
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      }
      if (url === '/ready') {
        const { ready, checks } = closing
          ? { ready: false, checks: { shutdown: false } }
          : await runChecks({ database: () => db.ping() });
        return res
          .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }));
      }
      if (url === '/metrics') {
        return res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
      }
      return res.writeHead(404).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const port = (server.address() as { port: number }).port;
  // A worker killed mid-load leaves files no catalog row names (objects without a manifest on S3):
  // every worker's start clears those older than the sweep's grace, whether or not predictions runs.
  const sweeping = sweepOfflineStore(db, offline)
    .then((removed) => removed.length && logger.info({ removed }, 'offline store swept'))
    .catch((err: unknown) => logger.warn({ err }, 'offline store sweep failed'));
  logger.info(
    { port, workerId: config.workerId, appVersion: config.appVersion, schedules: config.schedules },
    'etl worker ready',
  );
  return {
    port,
    async close() {
      closing = true;
      // The engine first: a run in flight either finishes or is resumed by this worker's next start.
      await engine?.stop();
      await sweeping;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}
