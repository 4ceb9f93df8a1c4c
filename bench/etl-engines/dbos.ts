/**
 * DBOS Transact adapter: a pipeline run is a durable workflow, each step a checkpointed DBOS step,
 * on a database-backed DBOS queue. The producer is a DBOSClient (no DBOS.launch in the bench
 * process); each worker process launches DBOS once, because DBOS is a per-process singleton.
 */
import { DBOS, DBOSClient, type DLogger } from '@dbos-inc/dbos-sdk';
import type { EngineAdapter, EngineEnv, EtlJob, QueueSpec, WorkerOptions } from './engine.ts';

const APP = 'cityassist-etl';
/**
 * Pinned: by default DBOS derives the version from a hash of the registered workflows' source, and
 * recovery and dequeueing only pick up runs of the executor's own version, so every worker process
 * (and every deploy that should resume old runs) must agree on it.
 */
const VERSION = 'etl-bench-1';
const RUN_WORKFLOW = 'etlRun';
const CRON_WORKFLOW = 'etlCron';
/** DBOS queues are polled (default every 1000 ms, 4 runs per poll at concurrency 4); see settings. */
const POLL_MS = 100;

const errorsOnly: DLogger = {
  info: () => {},
  debug: () => {},
  warn: () => {},
  error: (e) => console.error('[dbos]', e),
};

const queueParams = (queue: QueueSpec) => ({
  minPollingIntervalMs: POLL_MS,
  // A partitioned queue limits each partition (pipeline) on its own, across all processes.
  ...(queue.perPipelineLimit ? { partitionConcurrency: queue.perPipelineLimit } : {}),
});

export function create(env: EngineEnv): EngineAdapter {
  let client: Promise<DBOSClient> | undefined;
  const getClient = () =>
    (client ??= DBOSClient.create({
      systemDatabaseUrl: env.databaseUrl,
      applicationName: APP,
      logger: errorsOnly,
    }));

  return {
    name: 'dbos',
    settings: {
      queue: `database-backed queue, minPollingIntervalMs ${POLL_MS} (default 1000); workerConcurrency = N`,
      idempotency: 'workflowID = key (a second enqueue returns the existing workflow, whatever its status)',
      perPipelineLimit: 'partitioned queue, partitionConcurrency 1, queuePartitionKey = pipeline',
      recovery: `executorID = stable worker identity, applicationVersion pinned ('${VERSION}'); launch re-enqueues PENDING runs of its own executorID`,
      cron: 'DBOS.applySchedules, automaticBackfill: true, runs enqueued on the pipeline queue',
    },

    async prepare(queue) {
      await DBOS.migrate(env.databaseUrl);
      const c = await getClient();
      await c.registerQueue(queue.name, { ...queueParams(queue), applicationName: APP });
    },

    async enqueue(queue, job) {
      const c = await getClient();
      await c.enqueue(
        {
          queueName: queue.name,
          workflowName: RUN_WORKFLOW,
          workflowID: job.key,
          ...(queue.perPipelineLimit ? { queuePartitionKey: job.pipeline } : {}),
        },
        job,
      );
    },

    async startWorker(opts: WorkerOptions) {
      DBOS.registerWorkflow(
        async (job: EtlJob) => opts.handler(job, (name, fn) => DBOS.runStep(fn, { name })),
        { name: RUN_WORKFLOW },
      );
      const cron = DBOS.registerWorkflow(
        async (scheduledDate: Date, spec: { name: string; pipeline: string }) =>
          opts.handler(
            {
              pipeline: spec.pipeline,
              kind: 'cron',
              test: spec.name,
              key: `${spec.name}@${scheduledDate.toISOString()}`,
            },
            (name, fn) => DBOS.runStep(fn, { name }),
          ),
        { name: CRON_WORKFLOW },
      );
      DBOS.setConfig({
        name: APP,
        systemDatabaseUrl: env.databaseUrl,
        applicationVersion: VERSION,
        executorID: opts.identity,
        logger: errorsOnly,
        listenQueues: [opts.queue.name],
      });
      // Queue settings live in the database and the dispatch loop starts polling at launch: set
      // workerConcurrency first, or the first poll claims the whole backlog of a queue without one.
      const c = await getClient();
      await c.registerQueue(opts.queue.name, {
        ...queueParams(opts.queue),
        workerConcurrency: opts.concurrency,
        applicationName: APP,
      });
      await DBOS.launch();
      if (opts.schedules?.length) {
        await DBOS.applySchedules(
          opts.schedules.map((s) => ({
            scheduleName: s.name,
            workflowFn: cron,
            schedule: s.pattern,
            context: { name: s.name, pipeline: s.pipeline },
            automaticBackfill: s.backfill,
            queueName: opts.queue.name,
          })),
        );
      }
      return { info: { executorId: DBOS.executorID }, stop: () => DBOS.shutdown() };
    },

    // Without DBOS Conductor nothing re-enqueues a dead executor's runs unless a process with the
    // same executorID launches again; a new pod name needs this, given a list of dead executors.
    async reclaim(dead) {
      const c = await getClient();
      const pending = await c.listWorkflows({ status: 'PENDING', executorId: dead.identity });
      for (const w of pending) {
        await c.resumeWorkflow(w.workflowID, w.queueName ? { queueName: w.queueName } : {});
      }
    },

    async close() {
      if (client) await (await client).destroy();
      client = undefined;
    },
  };
}
