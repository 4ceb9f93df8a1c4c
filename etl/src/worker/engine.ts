import { createHash } from 'node:crypto';
import path from 'node:path';
import { DBOS, DBOSClient, type DLogger } from '@dbos-inc/dbos-sdk';
import { pipelineOf } from '../../pipelines/index.ts';
import { inboxFiles, settle } from '../inbox.ts';
import { runPipeline, type RunnerDeps, type RunSummary } from '../runner.ts';
import { registerRetraining, RETRAIN_QUEUE, type RetrainSettings } from './retraining.ts';

/**
 * The job engine: DBOS Transact, durable workflows on the Postgres we already run (chosen by
 * measurement, docs/data-platform.md). A run is a workflow on one queue partitioned by pipeline
 * (one run of a pipeline at a time across every worker); each day of a backfill and each file of an
 * inbox scan is a checkpointed step, so a worker killed mid-backfill resumes at the day it was in,
 * and the runner's own idempotency (run id = workflow id + step, one success per delivery) makes the
 * interrupted step load once.
 */
export const APP = 'cityassist-etl';
export const QUEUE = 'etl';
const RUN_WORKFLOW = 'etlRun';
const SCAN_WORKFLOW = 'etlScan';

/** What a submitted run asks for; plain JSON, as DBOS stores it. */
export interface EtlJob {
  pipeline: string;
  /** Files or s3:// URIs; empty for an inbox scan. */
  sources: string[];
  from?: string | undefined;
  to?: string | undefined;
  trigger: string;
  requestedBy: string;
}

/** Errors a retry may cure: a source or the database that was not there. */
const TRANSIENT = new Set(['ETL_SOURCE_UNREADABLE', 'ETL_LOAD_FAILED']);

class TransientRunError extends Error {
  constructor(readonly summary: RunSummary) {
    super(`${summary.pipeline}: ${summary.error?.code}: ${summary.error?.message}`);
  }
}

/** Retries with exponential backoff (5 s, 10 s, 20 s, 40 s) for what a retry may cure. */
const RUN_STEP = {
  retriesAllowed: true,
  intervalSeconds: 5,
  backoffRate: 2,
  maxAttempts: 5,
  shouldRetry: (err: unknown) => err instanceof TransientRunError,
};

const DAY_MS = 86_400_000;

/** A backfill's days, each a window [from, to) of its own (at most 3660). */
export function daysOf(from: Date, to: Date): [Date, Date][] {
  const out: [Date, Date][] = [];
  for (let t = from.getTime(); t < to.getTime() && out.length < 3660; t += DAY_MS) {
    out.push([new Date(t), new Date(Math.min(t + DAY_MS, to.getTime()))]);
  }
  return out;
}

async function runStep(
  deps: RunnerDeps,
  job: EtlJob,
  runId: string,
  sources: string[],
  window?: [Date, Date],
): Promise<RunSummary> {
  const summary = await runPipeline(deps, pipelineOf(job.pipeline), {
    runId,
    sources,
    from: window?.[0],
    to: window?.[1],
    trigger: job.trigger,
    requestedBy: job.requestedBy,
  });
  if (summary.status === 'failed' && TRANSIENT.has(summary.error?.code ?? '')) {
    throw new TransientRunError(summary);
  }
  return summary;
}

/** Registers the workflows this process runs (call before DBOS.launch); returns the inbox scan. */
function registerWorkflows(deps: RunnerDeps, inboxDir: string): (job: EtlJob) => Promise<RunSummary[]> {
  DBOS.registerWorkflow(
    async (job: EtlJob): Promise<RunSummary[]> => {
      const id = DBOS.workflowID!;
      if (job.from && job.to) {
        const out: RunSummary[] = [];
        for (const [i, window] of daysOf(new Date(job.from), new Date(job.to)).entries()) {
          out.push(
            await DBOS.runStep(() => runStep(deps, job, `${id}:${i}`, job.sources, window), {
              name: `day:${window[0].toISOString().slice(0, 10)}`,
              ...RUN_STEP,
            }),
          );
        }
        return out;
      }
      return [await DBOS.runStep(() => runStep(deps, job, id, job.sources), { name: 'run', ...RUN_STEP })];
    },
    { name: RUN_WORKFLOW },
  );
  return DBOS.registerWorkflow(
    async (job: EtlJob): Promise<RunSummary[]> => {
      const id = DBOS.workflowID!;
      const files = await DBOS.runStep(() => inboxFiles(inboxDir, job.pipeline), { name: 'list' });
      const out: RunSummary[] = [];
      for (const [i, file] of files.entries()) {
        const summary = await DBOS.runStep(() => runStep(deps, job, `${id}:${i}`, [file]), {
          name: `run:${path.basename(file)}`,
          ...RUN_STEP,
        });
        await DBOS.runStep(() => settle(file, summary).catch(() => file), {
          name: `settle:${path.basename(file)}`,
        });
        out.push(summary);
      }
      return out;
    },
    { name: SCAN_WORKFLOW },
  );
}

export const quietLogger = (log: {
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}): DLogger => ({
  info: () => {},
  debug: () => {},
  warn: (m) => log.warn({ engine: 'dbos' }, String(m)),
  error: (m) => log.error({ engine: 'dbos', err: m }, 'dbos error'),
});

/** The key of a submitted run: the same request twice (a CronJob firing twice) is one run. */
export function jobKey(job: EtlJob, slot?: string): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([job.pipeline, job.sources, job.from, job.to, slot ?? '']))
    .digest('hex')
    .slice(0, 16);
  return `${job.pipeline}@${slot ?? ''}${slot ? '.' : ''}${hash}`;
}

export interface Submitted {
  workflowId: string;
  result(): Promise<RunSummary[]>;
  close(): Promise<void>;
}

/**
 * Enqueues a run for the workers (the CronJobs' and `npm run etl -- submit`'s way in). With no
 * sources it is an inbox scan. A second submit of the same key returns the first run.
 */
export async function submit(
  databaseUrl: string,
  job: EtlJob,
  key: string,
  log: Parameters<typeof quietLogger>[0],
): Promise<Submitted> {
  const client = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    applicationName: APP,
    logger: quietLogger(log),
  });
  const handle = await client.enqueue(
    {
      queueName: QUEUE,
      workflowName: job.sources.length ? RUN_WORKFLOW : SCAN_WORKFLOW,
      workflowID: key,
      queuePartitionKey: job.pipeline,
    },
    job,
  );
  return {
    workflowId: handle.workflowID,
    result: () => handle.getResult() as Promise<RunSummary[]>,
    close: () => client.destroy(),
  };
}

export interface WorkerEngineOptions {
  databaseUrl: string;
  /** Stable per worker (the StatefulSet pod name): a restarted worker resumes its own runs. */
  executorId: string;
  /** Runs of other versions are not picked up: every worker of a deploy must agree on it. */
  appVersion: string;
  concurrency: number;
  pollMs: number;
  /** pipeline → cron pattern: an inbox scan per tick, missed ticks run after downtime. */
  schedules: Readonly<Record<string, string>>;
  /** Batch retraining on this engine (retraining.ts); off without models. */
  retraining?: RetrainSettings | undefined;
  log: Parameters<typeof quietLogger>[0];
}

/** Starts this process as a DBOS worker on the ETL queue. */
export async function startWorkerEngine(
  deps: RunnerDeps,
  inboxDir: string,
  options: WorkerEngineOptions,
): Promise<{ stop(): Promise<void> }> {
  await DBOS.migrate(options.databaseUrl);
  const scan = registerWorkflows(deps, inboxDir);
  // A tick only enqueues the scan: the queue keeps one run per pipeline at a time, and the key of
  // the tick's slot makes a tick seen by two workers one scan.
  const scheduled = DBOS.registerWorkflow(
    async (at: Date, context: unknown): Promise<void> => {
      const { pipeline } = context as { pipeline: string };
      const job: EtlJob = { pipeline, sources: [], trigger: 'schedule', requestedBy: `schedule:${pipeline}` };
      await DBOS.startWorkflow(scan, {
        workflowID: jobKey(job, at.toISOString()),
        queueName: QUEUE,
        enqueueOptions: { queuePartitionKey: pipeline },
      })(job);
    },
    { name: 'etlTick' },
  );
  const retraining = registerRetraining(
    deps.db,
    deps.repoRoot,
    options.retraining ?? { models: [], triggerCron: '' },
  );
  DBOS.setConfig({
    name: APP,
    systemDatabaseUrl: options.databaseUrl,
    applicationVersion: options.appVersion,
    executorID: options.executorId,
    logger: quietLogger(options.log),
    listenQueues: retraining.length ? [QUEUE, RETRAIN_QUEUE] : [QUEUE],
  });
  // Queue settings live in the database and dispatch starts at launch: set them first, or the first
  // poll of a queue with no worker limit claims its whole backlog (found by bench/etl-engines).
  const client = await DBOSClient.create({
    systemDatabaseUrl: options.databaseUrl,
    applicationName: APP,
    logger: quietLogger(options.log),
  });
  await client.registerQueue(QUEUE, {
    workerConcurrency: options.concurrency,
    partitionConcurrency: 1,
    minPollingIntervalMs: options.pollMs,
    applicationName: APP,
  });
  if (retraining.length) {
    // One retraining of a model at a time, and one training per worker: it takes the cores.
    await client.registerQueue(RETRAIN_QUEUE, {
      workerConcurrency: 1,
      partitionConcurrency: 1,
      minPollingIntervalMs: options.pollMs,
      applicationName: APP,
    });
  }
  await client.destroy();
  await DBOS.launch();
  const entries = Object.entries(options.schedules);
  if (entries.length || retraining.length) {
    await DBOS.applySchedules([
      ...entries.map(([pipeline, pattern]) => ({
        scheduleName: `etl-${pipeline}`,
        workflowFn: scheduled,
        schedule: pattern,
        context: { pipeline },
        automaticBackfill: true,
      })),
      // Missed retraining ticks are not replayed: the next tick sees the same pending triggers.
      ...retraining.map((r) => ({ ...r, automaticBackfill: false })),
    ]);
  }
  return { stop: () => DBOS.shutdown() };
}
