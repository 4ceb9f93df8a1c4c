/**
 * BullMQ adapter (Redis): a pipeline run is one job; a worker process runs one BullMQ Worker per
 * queue with `concurrency` N. A per-pipeline limit needs a queue per pipeline (open-source BullMQ
 * limits a whole queue; per-group limits are BullMQ Pro). Steps are plain calls: a stalled job that
 * is moved back to wait runs from the top.
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { plainStep, type EngineAdapter, type EngineEnv, type EtlJob, type QueueSpec } from './engine.ts';

/**
 * A killed worker's lock lapses after lockDuration and a live worker's stalled check (every
 * stalledInterval) moves the job back to wait; the defaults (30 s each) make that up to a minute.
 */
const LOCK_MS = 10_000;
const STALLED_MS = 5_000;

/** BullMQ queue names may not contain ':' (the key separator). */
const queueNames = (queue: QueueSpec) =>
  queue.perPipelineLimit ? queue.pipelines.map((p) => `${queue.name}.${p}`) : [queue.name];
const queueOf = (queue: QueueSpec, pipeline: string) =>
  queue.perPipelineLimit ? `${queue.name}.${pipeline}` : queue.name;

export function create(env: EngineEnv): EngineAdapter {
  const url = new URL(env.redisUrl);
  const connection: ConnectionOptions = { host: url.hostname, port: Number(url.port || 6379) };
  const queues = new Map<string, Queue>();
  const getQueue = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection, prefix: env.redisPrefix });
      q.on('error', (e) => console.error('[bullmq queue]', e));
      queues.set(name, q);
    }
    return q;
  };

  return {
    name: 'bullmq',
    settings: {
      queue: 'blocking fetch on Redis (no polling); new Worker(queue, fn, {concurrency: N})',
      idempotency:
        'jobId = key (an add with an existing jobId is ignored while the job is kept; completed jobs are kept by default)',
      perPipelineLimit: 'a queue per pipeline with queue.setGlobalConcurrency(1)',
      recovery: `lockDuration ${LOCK_MS} ms, stalledInterval ${STALLED_MS} ms (defaults 30000 each), maxStalledCount 1: a second stall fails the job`,
      cron: 'queue.upsertJobScheduler(name, {pattern}) at worker start, skipped when unchanged (an upsert re-plans the next tick)',
    },

    async prepare(queue) {
      for (const name of queueNames(queue)) {
        const q = getQueue(name);
        await q.waitUntilReady();
        if (queue.perPipelineLimit) await q.setGlobalConcurrency(queue.perPipelineLimit);
      }
    },

    async enqueue(queue, job) {
      await getQueue(queueOf(queue, job.pipeline)).add('etl', job, {
        jobId: job.key,
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
      });
    },

    async startWorker(opts) {
      const workers = queueNames(opts.queue).map((name) => {
        const w = new Worker<EtlJob>(
          name,
          async (job) => {
            if (job.name !== 'cron') return opts.handler(job.data, plainStep);
            const tick = new Date(job.opts.prevMillis ?? job.timestamp).toISOString();
            return opts.handler({ ...job.data, key: `${job.data.test}@${tick}` }, plainStep);
          },
          {
            connection,
            prefix: env.redisPrefix,
            concurrency: opts.concurrency,
            lockDuration: LOCK_MS,
            stalledInterval: STALLED_MS,
            maxStalledCount: 1,
            name: opts.identity,
          },
        );
        w.on('error', (e) => console.error('[bullmq worker]', e));
        return w;
      });
      await Promise.all(workers.map((w) => w.waitUntilReady()));
      const own: Queue[] = [];
      for (const s of opts.schedules ?? []) {
        const q = new Queue(queueOf(opts.queue, s.pipeline), { connection, prefix: env.redisPrefix });
        own.push(q);
        const existing = await q.getJobScheduler(s.name);
        if (existing?.pattern === s.pattern) continue;
        const data: EtlJob = { pipeline: s.pipeline, kind: 'cron', test: s.name, key: s.name };
        await q.upsertJobScheduler(s.name, { pattern: s.pattern }, { name: 'cron', data });
      }
      return {
        info: {},
        stop: async () => {
          await Promise.all(workers.map((w) => w.close()));
          await Promise.all(own.map((q) => q.close()));
        },
      };
    },

    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}
