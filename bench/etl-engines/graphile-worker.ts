/**
 * graphile-worker adapter: a pipeline run is one job of the task `etl_<queue>`; a worker process
 * is one `run()` runner with `concurrency` slots. Steps are plain calls: a job that is picked up
 * again runs from the top.
 */
import { EventEmitter } from 'node:events';
import {
  Logger,
  makeWorkerUtils,
  parseCrontab,
  run,
  type TaskList,
  type WorkerEvents,
  type WorkerUtils,
} from 'graphile-worker';
import { plainStep, type EngineAdapter, type EngineEnv, type EtlJob, type QueueSpec } from './engine.ts';

const quiet = new Logger(() => (level, message) => {
  if (level === 'error') console.error('[graphile-worker]', message);
});
/** One task per queue: a runner only takes jobs of the tasks it knows, which keeps tests apart. */
const taskOf = (queue: QueueSpec) => `etl_${queue.name}`;
const CRON_TASK = 'etl_cron';
/** How far back a restarted runner fills missed ticks (`?fill=`); without it, none are. */
const FILL = '10m';

export function create(env: EngineEnv): EngineAdapter {
  let utils: Promise<WorkerUtils> | undefined;
  const getUtils = () => (utils ??= makeWorkerUtils({ connectionString: env.databaseUrl, logger: quiet }));

  return {
    name: 'graphile-worker',
    settings: {
      queue:
        'LISTEN/NOTIFY on new jobs (pollInterval 2000 ms only for future/retried jobs); run({concurrency: N})',
      idempotency:
        "jobKey = key, jobKeyMode 'unsafe_dedupe' (skips the add while a job with that key exists; a completed job is deleted, so its key is free again)",
      perPipelineLimit:
        'queueName = pipeline: a named queue runs one job at a time, globally (limit is 1 or none)',
      recovery:
        'not configurable: a locked job is released after 4 hours (hard-coded) or by forceUnlockWorkers(poolIds), which someone must call for dead pools',
      cron: `crontab in run(), '* * * * * ${CRON_TASK} ?fill=${FILL}&id=<name>'; known_crontabs makes one runner enqueue each tick`,
    },

    async prepare() {
      await (await getUtils()).migrate();
    },

    async enqueue(queue, job) {
      const perPipeline = queue.perPipelineLimit;
      if (perPipeline !== undefined && perPipeline !== 1) {
        throw new Error('graphile-worker named queues are strictly serial: only a limit of 1 is native');
      }
      await (
        await getUtils()
      ).addJob(taskOf(queue), job, {
        jobKey: job.key,
        jobKeyMode: 'unsafe_dedupe',
        maxAttempts: 5,
        ...(perPipeline ? { queueName: job.pipeline } : {}),
      });
    },

    async startWorker(opts) {
      const events: WorkerEvents = new EventEmitter();
      let poolId = '';
      events.on('pool:create', ({ workerPool }) => {
        poolId = workerPool.id;
      });
      const taskList: TaskList = {
        [taskOf(opts.queue)]: (payload) => opts.handler(payload as EtlJob, plainStep),
        [CRON_TASK]: (payload) => {
          const p = payload as { name: string; pipeline: string; _cron: { ts: string } };
          return opts.handler(
            { pipeline: p.pipeline, kind: 'cron', test: p.name, key: `${p.name}@${p._cron.ts}` },
            plainStep,
          );
        },
      };
      const crontab = (opts.schedules ?? [])
        .map(
          (s) =>
            `${s.pattern} ${CRON_TASK} ?id=${s.name}${s.backfill ? `&fill=${FILL}` : ''} ` +
            JSON.stringify({ name: s.name, pipeline: s.pipeline }),
        )
        .join('\n');
      const runner = await run({
        connectionString: env.databaseUrl,
        concurrency: opts.concurrency,
        noHandleSignals: true,
        logger: quiet,
        events,
        taskList,
        // Parsed here: an empty `crontab` string would fall back to reading ./crontab.
        parsedCronItems: parseCrontab(crontab),
      });
      return { info: { poolId }, stop: () => runner.stop() };
    },

    async reclaim(dead) {
      if (dead.info['poolId']) await (await getUtils()).forceUnlockWorkers([dead.info['poolId']]);
    },

    async close() {
      if (utils) await (await utils).release();
      utils = undefined;
    },
  };
}
