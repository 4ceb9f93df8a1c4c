/**
 * Child-process ETL worker for bench/etl-engines.bench.ts: `node --import tsx worker.ts '<WorkerSpec
 * JSON>'`, forked with an IPC channel. It starts one engine worker running the stand-in pipeline
 * below, reports `ready` over IPC, and stops on the message `stop` or SIGTERM. The bench SIGKILLs it
 * to crash a run mid-step.
 *
 * Every execution writes a row to the bench's `exec` table in its own database (not the engine's),
 * so what ran, how often and when is counted the same way for every engine.
 */
import pg from 'pg';
import { loadEngine, sleep, type EtlJob, type ReadyMessage, type StepFn, type WorkerSpec } from './engine.ts';

const spec = JSON.parse(process.argv[2]!) as WorkerSpec;

const t0 = performance.now();
const adapter = await loadEngine(spec.engine, spec.env);
const importMs = performance.now() - t0;

const results = new pg.Pool({ connectionString: spec.resultsUrl, max: spec.concurrency + 1 });

async function record(job: EtlJob, step: string, startedMs: number) {
  await results.query(
    'insert into exec (engine, test, key, step, pid, started_ms, ended_ms) values ($1, $2, $3, $4, $5, $6, $7)',
    [spec.engine, job.test, job.key, step, process.pid, startedMs, Date.now()],
  );
}

/** Stand-in for ingest → validate → transform → load; the `steps` kind is what the crash test kills. */
async function pipeline(job: EtlJob, step: StepFn) {
  const started = Date.now();
  switch (job.kind) {
    case 'noop':
    case 'cron':
      await record(job, 'run', started);
      return;
    case 'sleep':
      await sleep(job.ms ?? 0);
      await record(job, 'run', started);
      return;
    case 'steps':
      for (const n of [1, 2, 3]) {
        await step(`step${n}`, async () => {
          await record(job, `step${n}`, Date.now());
          await sleep(300);
        });
      }
      await record(job, 'done', started);
  }
}

const t1 = performance.now();
const worker = await adapter.startWorker({
  queue: spec.queue,
  concurrency: spec.concurrency,
  identity: spec.identity,
  handler: pipeline,
  ...(spec.schedules ? { schedules: spec.schedules } : {}),
});
const ready: ReadyMessage = { type: 'ready', importMs, startMs: performance.now() - t1, info: worker.info };
process.send!(ready);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await worker.stop();
  await adapter.close();
  await results.end();
  // Engines can leave timers or sockets behind after stop; the bench waits for this process to exit.
  process.exit(0);
}
process.on('message', (m) => {
  if (m === 'stop') void stop();
});
process.on('SIGTERM', () => void stop());
// The bench went away without stopping us: don't linger as an orphan holding locks.
process.on('disconnect', () => void stop());
