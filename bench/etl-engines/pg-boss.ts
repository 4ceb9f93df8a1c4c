/**
 * pg-boss adapter: a pipeline run is one job on a pg-boss queue; a worker process is one PgBoss
 * instance with one `work()` of `localConcurrency` N (batchSize 1: each run settles on its own).
 * Steps are plain calls: a job that is retried runs from the top.
 */
import { createHash } from 'node:crypto';
import { PgBoss, type ConstructorOptions } from 'pg-boss';
import { plainStep, type EngineAdapter, type EngineEnv, type EtlJob, type QueueSpec } from './engine.ts';

/**
 * The heartbeat is what lets another worker take over a killed worker's job: without it a job
 * stays active until expireInSeconds (default 15 min). 10 s is the minimum pg-boss accepts.
 */
const HEARTBEAT_S = 10;
const POLL_S = 0.5;

/** pg-boss job ids are UUIDs, and a send with an existing id is dropped: a key's UUID is its idempotency. */
function uuidOf(key: string): string {
  const h = createHash('sha1').update(`etl:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A limit of 1 per pipeline is a `singleton` queue keyed by pipeline: a unique index allows one
 * active job per key. groupConcurrency (the 'alt' mechanism, and the only one for limits above 1)
 * counts active jobs in the fetch query without locking the group, so concurrent fetches can each
 * see a free slot.
 */
const usesSingleton = (queue: QueueSpec) => queue.perPipelineLimit === 1 && queue.limitMechanism !== 'alt';
const usesGroups = (queue: QueueSpec) => !!queue.perPipelineLimit && !usesSingleton(queue);

export function create(env: EngineEnv): EngineAdapter {
  const base: ConstructorOptions = { connectionString: env.databaseUrl, max: 4 };
  let producer: Promise<PgBoss> | undefined;
  const getProducer = () =>
    (producer ??= (async () => {
      // The producer only sends: maintenance and cron belong to the workers.
      const boss = new PgBoss({ ...base, supervise: false, schedule: false });
      boss.on('error', (e) => console.error('[pg-boss producer]', e));
      return boss.start();
    })());

  return {
    name: 'pg-boss',
    settings: {
      queue: `polled: pollingIntervalSeconds and notifyPollingIntervalSeconds ${POLL_S} (minimum; defaults 2 and 30) plus LISTEN/NOTIFY (useListenNotify, queue notify: true); burstWhenReadyExceeds 1 with queueCacheIntervalSeconds 2 (default 60); work({localConcurrency: N, batchSize: 1})`,
      idempotency:
        'job id = UUID derived from key (insert ... on conflict do nothing; completed jobs kept 7 days by default)',
      perPipelineLimit:
        "limit 1: queue policy 'singleton' + singletonKey = pipeline (unique index on active jobs); alt: send({group: {id: pipeline}}) + work({groupConcurrency: 1})",
      recovery: `queue heartbeatSeconds ${HEARTBEAT_S} (min 10; default none, then expireInSeconds 900); supervise/monitor every 2 s (default 60); retryLimit 3`,
      cron: "boss.schedule(queue, cron, data, {missed: 'once'}) (default 'skip'); cronMonitorIntervalSeconds 5 (default 30)",
    },

    async prepare(queue) {
      const boss = await getProducer();
      if (!(await boss.getQueue(queue.name))) {
        await boss.createQueue(queue.name, {
          notify: true,
          heartbeatSeconds: HEARTBEAT_S,
          retryLimit: 3,
          ...(usesSingleton(queue) ? { policy: 'singleton' } : {}),
        });
      }
    },

    async enqueue(queue, job) {
      const boss = await getProducer();
      await boss.send(queue.name, job, {
        id: uuidOf(job.key),
        ...(usesSingleton(queue) ? { singletonKey: job.pipeline } : {}),
        ...(usesGroups(queue) ? { group: { id: job.pipeline } } : {}),
      });
    },

    async startWorker(opts) {
      const boss = new PgBoss({
        ...base,
        max: opts.concurrency + 4,
        useListenNotify: true,
        superviseIntervalSeconds: 2,
        monitorIntervalSeconds: 2,
        cronMonitorIntervalSeconds: 5,
        // burstWhenReadyExceeds reads the backlog from this cache (default every 60 s).
        queueCacheIntervalSeconds: 2,
        instanceName: opts.identity,
      });
      boss.on('error', (e) => console.error('[pg-boss]', e));
      await boss.start();
      await boss.work<EtlJob>(
        opts.queue.name,
        {
          localConcurrency: opts.concurrency,
          batchSize: 1,
          pollingIntervalSeconds: POLL_S,
          // With NOTIFY on, the poll falls back to this (default 30 s). Wake-ups coalesce while a
          // worker is busy, so a backlog, a retry or a run held back by its group waited that long.
          notifyPollingIntervalSeconds: POLL_S,
          // Without it each slot takes one job per polling interval, backlog or not.
          burstWhenReadyExceeds: 1,
          ...(usesGroups(opts.queue) ? { groupConcurrency: opts.queue.perPipelineLimit! } : {}),
        },
        async ([job]) => {
          if (job) await opts.handler(job.data, plainStep);
        },
      );
      for (const s of opts.schedules ?? []) {
        const data: EtlJob = { pipeline: s.pipeline, kind: 'cron', test: s.name, key: s.name };
        await boss.schedule(opts.queue.name, s.pattern, data, {
          key: s.name,
          missed: s.backfill ? 'once' : 'skip',
        });
      }
      return { info: {}, stop: () => boss.stop({ graceful: true, timeout: 5000 }) };
    },

    async close() {
      if (producer) await (await producer).stop({ graceful: false });
      producer = undefined;
    },
  };
}
