/**
 * The one interface bench/etl-engines.bench.ts drives each candidate job engine through, so every
 * measurement runs the same code against DBOS, graphile-worker, pg-boss and BullMQ. An adapter is a
 * producer (prepare, enqueue) in the bench process and a worker (startWorker) in a child process
 * (worker.ts), because the crash test has to SIGKILL a worker without killing the bench.
 *
 * A pipeline run is a sequence of named steps. Each adapter supplies the `step` function: DBOS
 * checkpoints every step in Postgres, the others just call it; that difference is what the crash
 * test observes.
 */

export const ENGINES = ['dbos', 'graphile-worker', 'pg-boss', 'bullmq'] as const;
export type EngineName = (typeof ENGINES)[number];

/** Where an engine keeps its state. Each engine (and its cron test) gets a database of its own. */
export interface EngineEnv {
  databaseUrl: string;
  redisUrl: string;
  /** Key prefix for BullMQ, so the bench never touches anyone else's Redis keys. */
  redisPrefix: string;
}

/** A queue of pipeline runs, shared by the producer and every worker process that serves it. */
export interface QueueSpec {
  /** Unique per measurement, so each starts empty. */
  name: string;
  /** Pipelines routed through this queue; engines that need a queue per pipeline create one each. */
  pipelines: string[];
  /** At most this many runs of one pipeline at once across all worker processes (unset: no limit). */
  perPipelineLimit?: number;
  /** Where an engine has two native ways to enforce perPipelineLimit, the second one ('alt'). */
  limitMechanism?: 'default' | 'alt';
}

export type JobKind = 'noop' | 'sleep' | 'steps' | 'cron';

/** One pipeline run. `key` is the idempotency key: the same key must never load twice. */
export interface EtlJob {
  pipeline: string;
  key: string;
  kind: JobKind;
  /** Which measurement the run belongs to; the execution table is grouped by it. */
  test: string;
  /** For `sleep`: how long the run takes. */
  ms?: number;
}

export type StepFn = <T>(name: string, fn: () => Promise<T>) => Promise<T>;
export type JobHandler = (job: EtlJob, step: StepFn) => Promise<void>;

/** Engines without durable steps: a step is a plain call, and a rerun repeats it. */
export const plainStep: StepFn = (_name, fn) => fn();

export interface CronSpec {
  /** Schedule name; also the `test` of the runs it fires. */
  name: string;
  /** Five-field cron expression. */
  pattern: string;
  pipeline: string;
  /** Run ticks missed while no worker was up, where the engine can. */
  backfill: boolean;
}

export interface WorkerOptions {
  queue: QueueSpec;
  /** Runs at once in this process. */
  concurrency: number;
  handler: JobHandler;
  /** Stable name of the worker slot (a StatefulSet pod name); DBOS recovers by it. */
  identity: string;
  /** Declared by every worker at start, as a Deployment would declare them. */
  schedules?: CronSpec[];
}

export interface RunningWorker {
  /** Engine-specific identity of this worker (DBOS executor id, graphile pool id), for reclaim. */
  info: Record<string, string>;
  stop(): Promise<void>;
}

export interface EngineAdapter {
  readonly name: EngineName;
  /** The settings the adapter runs the engine with and why, for the report. */
  readonly settings: Record<string, string>;
  /** Creates schema and queues; idempotent. */
  prepare(queue: QueueSpec): Promise<void>;
  enqueue(queue: QueueSpec, job: EtlJob): Promise<void>;
  startWorker(opts: WorkerOptions): Promise<RunningWorker>;
  /**
   * Makes runs held by a dead worker runnable again, for engines that cannot tell on their own
   * that a worker died (something outside, e.g. a controller watching pods, must call it).
   */
  reclaim?(dead: { identity: string; info: Record<string, string> }): Promise<void>;
  /** Closes the producer's connections. */
  close(): Promise<void>;
}

/** Imports only the engine asked for, so a worker's startup time is its own engine's. */
export async function loadEngine(name: EngineName, env: EngineEnv): Promise<EngineAdapter> {
  switch (name) {
    case 'dbos':
      return (await import('./dbos.ts')).create(env);
    case 'graphile-worker':
      return (await import('./graphile-worker.ts')).create(env);
    case 'pg-boss':
      return (await import('./pg-boss.ts')).create(env);
    case 'bullmq':
      return (await import('./bullmq.ts')).create(env);
  }
}

/** Spawned worker's command-line spec (worker.ts). */
export interface WorkerSpec {
  engine: EngineName;
  env: EngineEnv;
  /** The bench's own database, where every run records its executions. */
  resultsUrl: string;
  queue: QueueSpec;
  concurrency: number;
  identity: string;
  schedules?: CronSpec[];
}

/** What worker.ts sends the bench once it can take jobs. */
export interface ReadyMessage {
  type: 'ready';
  /** Importing the engine's packages. */
  importMs: number;
  /** Connecting, migrating, registering: startWorker until it resolved. */
  startMs: number;
  info: Record<string, string>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
