/**
 * `npx tsx bench/etl-engines.bench.ts`: the candidate job engines for the ETL pipelines (ingest →
 * validate → transform → load), side by side in one run, each through the same adapter interface
 * (bench/etl-engines/engine.ts) and the same child-process worker (bench/etl-engines/worker.ts).
 * The machine is shared and small: compare ratios and medians, not milliseconds.
 *
 * Per engine:
 * 1. Enqueue→start latency of single jobs on an idle worker (1 process × concurrency 4), p50/p95.
 * 2. Dedupe: one idempotency key enqueued twice at once, then once more after the run finished.
 * 3. Throughput draining a backlog of 1,000 trivial jobs, 1 process × concurrency 4 and 2 processes
 *    × 4 (jobs/s from first start to last end), and whether any key ran twice. Capped; a capped run
 *    reports its rate so far.
 * 4. Concurrency limit of 1 per pipeline across 2 processes: 6 runs of 250 ms for each of two
 *    pipelines; the most runs of one pipeline (and of both) that overlapped.
 * 5. Crash: a 3-step run (each step inserts a row, then sleeps 300 ms) is SIGKILLed during step 2; a
 *    fresh worker with the same identity starts at once. Time from the kill to the run's end, and the
 *    row count of each step (step 1 twice: the run was rerun; once: it resumed). Where the engine
 *    does not recover on its own in a few times its expected bound, the adapter's reclaim (what we
 *    would have to run from outside) is called and the rest timed. DBOS also with a new identity.
 * 6. Cron (in the background, all engines at once, own databases): '* * * * *' declared by 2 workers;
 *    how often the first tick ran; then both stop for three ticks and one restarts: how many of the
 *    missed ticks ran.
 * 7. Install footprint (the package and its own dependency tree in node_modules) and worker startup
 *    (fork → ready, median over every worker the run started).
 *
 * Each engine keeps its state in databases and a Redis prefix of this run, dropped at the end.
 *
 *   npx tsx bench/etl-engines.bench.ts --engines dbos,bullmq --jobs 500 --no-cron   (or --cron-only)
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  ENGINES,
  loadEngine,
  sleep,
  type CronSpec,
  type EngineAdapter,
  type EngineEnv,
  type EngineName,
  type EtlJob,
  type QueueSpec,
  type ReadyMessage,
  type WorkerSpec,
} from './etl-engines/engine.ts';
import { percentile, ratio } from './lib.ts';

const { values } = parseArgs({
  options: {
    engines: { type: 'string', default: ENGINES.join(',') },
    'latency-runs': { type: 'string', default: '25' },
    jobs: { type: 'string', default: '1000' },
    'throughput-cap-s': { type: 'string', default: '45' },
    'no-cron': { type: 'boolean', default: false },
    'cron-only': { type: 'boolean', default: false },
  },
});
const engines = values.engines.split(',').map((e) => e.trim()) as EngineName[];
for (const e of engines) if (!ENGINES.includes(e)) throw new Error(`unknown engine ${e}`);
const LATENCY_RUNS = Number(values['latency-runs']);
const JOBS = Number(values.jobs);
const THROUGHPUT_CAP_MS = Number(values['throughput-cap-s']) * 1000;

const ROOT = path.resolve(import.meta.dirname, '..');
const WORKER = path.join(import.meta.dirname, 'etl-engines/worker.ts');
const PG = process.env['ETL_BENCH_PG'] ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS = process.env['ETL_BENCH_REDIS'] ?? 'redis://127.0.0.1:6379';
const RUN = `etl_bench_${process.pid}`;
const short = (e: EngineName) => e.replace('-', '');
const dbUrl = (db: string) => `${PG}/${db}`;
const RESULTS_DB = `${RUN}_results`;
const engineDb = (e: EngineName, cron: boolean) => `${RUN}_${short(e)}${cron ? '_cron' : ''}`;
const envOf = (e: EngineName, cron: boolean): EngineEnv => ({
  // BullMQ keeps nothing in Postgres; it gets the results database so the field is never empty.
  databaseUrl: dbUrl(e === 'bullmq' ? RESULTS_DB : engineDb(e, cron)),
  redisUrl: REDIS,
  redisPrefix: `${RUN}${cron ? '_cron' : ''}`,
});

const admin = new pg.Pool({ connectionString: dbUrl('postgres'), max: 2 });
const createdDbs: string[] = [];
async function createDb(name: string) {
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  createdDbs.push(name);
}
await createDb(RESULTS_DB);
const results = new pg.Pool({ connectionString: dbUrl(RESULTS_DB), max: 6 });
await results.query(`create table exec (
  id bigserial primary key, engine text not null, test text not null, key text not null,
  step text not null, pid int not null, started_ms bigint not null, ended_ms bigint not null)`);
await results.query('create index on exec (engine, test, key)');

// ---- worker processes ----

interface Child {
  ready: ReadyMessage;
  stop(): Promise<void>;
  kill(): Promise<void>;
}
const children = new Set<ChildProcess>();
const startup: Record<string, { readyMs: number; importMs: number; startMs: number }[]> = {};

async function spawnWorker(
  engine: EngineName,
  env: EngineEnv,
  opts: { queue: QueueSpec; concurrency: number; identity: string; schedules?: CronSpec[] },
  countStartup = true,
): Promise<Child> {
  const spec: WorkerSpec = { engine, env, resultsUrl: dbUrl(RESULTS_DB), ...opts };
  const t0 = performance.now();
  const proc = fork(WORKER, [JSON.stringify(spec)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(proc);
  let log = '';
  const keep = (d: Buffer) => (log = (log + d.toString()).slice(-4000));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let expected = false;
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      children.delete(proc);
      if (!expected) console.error(`${engine} worker ${opts.identity} exited (${code ?? signal}):\n${log}`);
      resolve();
    }),
  );
  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${engine} worker not ready in 60 s:\n${log}`)), 60_000);
    proc.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as ReadyMessage);
    });
    proc.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`${engine} worker exited before ready`));
    });
  });
  if (countStartup) {
    (startup[engine] ??= []).push({
      readyMs: performance.now() - t0,
      importMs: ready.importMs,
      startMs: ready.startMs,
    });
  }
  return {
    ready,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      expected = true;
      proc.send('stop');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      expected = true;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

// ---- the execution table ----

interface Exec {
  key: string;
  step: string;
  pid: number;
  started: number;
  ended: number;
}
async function execs(engine: EngineName, test: string, key?: string): Promise<Exec[]> {
  const { rows } = await results.query(
    `select key, step, pid, started_ms::float8 as started, ended_ms::float8 as ended from exec
     where engine = $1 and test = $2 ${key ? 'and key = $3' : ''} order by started_ms`,
    key ? [engine, test, key] : [engine, test],
  );
  return rows as Exec[];
}
async function count(engine: EngineName, test: string, key?: string, step?: string): Promise<number> {
  const params: unknown[] = [engine, test];
  let where = 'engine = $1 and test = $2';
  if (key) where += ` and key = $${params.push(key)}`;
  if (step) where += ` and step = $${params.push(step)}`;
  const { rows } = await results.query(`select count(*)::int as n from exec where ${where}`, params);
  return rows[0].n as number;
}
async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 10): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}
const sleepUntil = (t: number) => sleep(Math.max(0, t - Date.now()));
const round = (v: number) => Math.round(v);

/** The most intervals open at one instant. */
function maxOverlap(runs: Exec[]): number {
  const events = runs.flatMap((r) => [
    [r.started, 1],
    [r.ended, -1],
  ]);
  // An end and a start on the same millisecond are back to back, not overlapping.
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let open = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (open += d!));
  return max;
}

/** Runs `fn` over `items` with at most `width` in flight. */
async function pooled<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

// ---- measurements ----

const MAIN: QueueSpec = { name: 'main', pipelines: ['p'] };

async function latencyAndDedupe(engine: EngineName, adapter: EngineAdapter) {
  await adapter.prepare(MAIN);
  const w = await spawnWorker(engine, envOf(engine, false), {
    queue: MAIN,
    concurrency: 4,
    identity: `${short(engine)}-main-0`,
  });
  try {
    const samples: number[] = [];
    let timeouts = 0;
    for (let i = 0; i < LATENCY_RUNS + 3; i++) {
      const key = `lat-${i}`;
      const t0 = Date.now();
      await adapter.enqueue(MAIN, { pipeline: 'p', key, kind: 'noop', test: 'latency' });
      if (!(await waitFor(async () => (await count(engine, 'latency', key)) > 0, 10_000, 5))) {
        timeouts++;
        continue;
      }
      const [row] = await execs(engine, 'latency', key);
      if (i >= 3) samples.push(row!.started - t0);
      // Idle between jobs, off any polling cadence.
      await sleep(20 + Math.random() * 100);
    }
    samples.sort((a, b) => a - b);

    const job: EtlJob = { pipeline: 'p', key: 'dedupe-1', kind: 'noop', test: 'dedupe' };
    const errors: string[] = [];
    const enqueue = () => adapter.enqueue(MAIN, job).catch((e: Error) => void errors.push(e.message));
    await Promise.all([enqueue(), enqueue()]);
    await waitFor(async () => (await count(engine, 'dedupe')) > 0, 10_000);
    await sleep(2000);
    const concurrent = await count(engine, 'dedupe');
    await enqueue();
    await sleep(2500);
    const afterDone = await count(engine, 'dedupe');
    return {
      latency: { p50Ms: round(percentile(samples, 50)), p95Ms: round(percentile(samples, 95)), timeouts },
      dedupe: { concurrent, afterDone, errors },
    };
  } finally {
    await w.stop();
  }
}

/**
 * The backlog is enqueued before any worker starts, so the rate is the engine draining a queue, not
 * the producer feeding it (enqueue rate reported beside it). Timed from the first run's start to the
 * last run's end, so worker startup is not in it.
 */
async function throughput(engine: EngineName, adapter: EngineAdapter, processes: number) {
  const queue: QueueSpec = { name: `tput${processes}`, pipelines: ['p'] };
  const test = queue.name;
  await adapter.prepare(queue);
  const t0 = Date.now();
  const jobs = Array.from({ length: JOBS }, (_, i): EtlJob => ({
    pipeline: 'p',
    key: `${test}-${i}`,
    kind: 'noop',
    test,
  }));
  await pooled(jobs, 16, (j) => adapter.enqueue(queue, j));
  const enqueueMs = Date.now() - t0;
  const workers = await Promise.all(
    Array.from({ length: processes }, (_, i) =>
      spawnWorker(engine, envOf(engine, false), {
        queue,
        concurrency: 4,
        identity: `${short(engine)}-${test}-${i}`,
      }),
    ),
  );
  try {
    const finished = await waitFor(async () => (await count(engine, test)) >= JOBS, THROUGHPUT_CAP_MS, 100);
    const rows = await execs(engine, test);
    const keys = new Set(rows.map((r) => r.key));
    const first = Math.min(...rows.map((r) => r.started));
    const last = Math.max(...rows.map((r) => r.ended));
    return {
      ran: keys.size,
      capped: !finished,
      jobsPerS: Math.round((rows.length / ((finished ? last : Date.now()) - first)) * 1000 * 10) / 10,
      enqueuePerS: Math.round((JOBS / enqueueMs) * 1000),
      duplicates: rows.length - keys.size,
      perProcess: Object.values(Object.groupBy(rows, (r) => String(r.pid))).map((g) => g!.length),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

async function concurrencyLimit(engine: EngineName, adapter: EngineAdapter, mechanism: 'default' | 'alt') {
  const queue: QueueSpec = {
    name: mechanism === 'default' ? 'limit' : 'limit_alt',
    pipelines: ['pa', 'pb'],
    perPipelineLimit: 1,
    limitMechanism: mechanism,
  };
  const test = queue.name;
  await adapter.prepare(queue);
  const workers = await Promise.all(
    [0, 1].map((i) =>
      spawnWorker(engine, envOf(engine, false), {
        queue,
        concurrency: 4,
        identity: `${short(engine)}-limit-${i}`,
      }),
    ),
  );
  try {
    for (let i = 0; i < 6; i++) {
      for (const pipeline of queue.pipelines) {
        await adapter.enqueue(queue, {
          pipeline,
          key: `${test}-${pipeline}-${i}`,
          kind: 'sleep',
          ms: 250,
          test,
        });
      }
    }
    const finished = await waitFor(async () => (await count(engine, test)) >= 12, 30_000, 50);
    const rows = await execs(engine, test);
    return {
      finished,
      perPipeline: Math.max(
        ...queue.pipelines.map((p) => maxOverlap(rows.filter((r) => r.key.includes(`-${p}-`)))),
      ),
      overall: maxOverlap(rows),
      processesUsed: new Set(rows.map((r) => r.pid)).size,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** How long each engine's own recovery should take with the adapter's settings, with room to spare. */
const NATIVE_RECOVERY_WAIT_MS: Record<EngineName, number> = {
  dbos: 15_000, // recovery runs at launch
  'graphile-worker': 8_000, // the lock lapses after 4 hours: no point waiting
  'pg-boss': 35_000, // heartbeat 10 s + monitor 2 s + poll
  bullmq: 35_000, // lock 10 s + stalled check 5 s
};

async function crash(engine: EngineName, adapter: EngineAdapter, variant: 'restart' | 'new-identity') {
  // A new identity is never recovered by DBOS itself (see dbos.ts): watch briefly, then reclaim.
  const nativeWaitMs = variant === 'restart' ? NATIVE_RECOVERY_WAIT_MS[engine] : 8000;
  const queue: QueueSpec = { name: variant === 'restart' ? 'crash' : 'crash_newid', pipelines: ['p'] };
  const test = queue.name;
  const key = `${test}-1`;
  await adapter.prepare(queue);
  const env = envOf(engine, false);
  const first = `${short(engine)}-etl-0`;
  const w1 = await spawnWorker(engine, env, { queue, concurrency: 1, identity: first });
  await adapter.enqueue(queue, { pipeline: 'p', key, kind: 'steps', test });
  if (!(await waitFor(async () => (await count(engine, test, key, 'step2')) > 0, 20_000, 5))) {
    await w1.stop();
    return { error: 'step 2 never started' };
  }
  const killedAt = Date.now();
  await w1.kill();
  const identity = variant === 'restart' ? first : `${short(engine)}-etl-1`;
  const w2 = await spawnWorker(engine, env, { queue, concurrency: 1, identity });
  try {
    const done = async () => (await count(engine, test, key, 'done')) > 0;
    let finished = await waitFor(done, nativeWaitMs, 20);
    let reclaimedAt: number | undefined;
    if (!finished && adapter.reclaim) {
      reclaimedAt = Date.now();
      await adapter.reclaim({ identity: first, info: w1.ready.info });
      finished = await waitFor(done, 20_000, 20);
    }
    const rows = await execs(engine, test, key);
    const steps = (s: string) => rows.filter((r) => r.step === s).length;
    const end = rows.find((r) => r.step === 'done')?.ended;
    return {
      recovered: finished,
      // From the kill, including the fresh worker's start and the run's remaining steps.
      recoveryMs: end !== undefined && reclaimedAt === undefined ? round(end - killedAt) : null,
      nativeWaitMs,
      reclaimed: reclaimedAt !== undefined,
      afterReclaimMs: end !== undefined && reclaimedAt !== undefined ? round(end - reclaimedAt) : null,
      step1Rows: steps('step1'),
      step2Rows: steps('step2'),
      step3Rows: steps('step3'),
      resumedAtStep: steps('step1') === 1 && finished,
    };
  } finally {
    await w2.stop();
  }
}

const MISSED_TICKS = 3;

async function cron(engine: EngineName) {
  const env = envOf(engine, true);
  const adapter = await loadEngine(engine, env);
  const queue: QueueSpec = { name: 'cron', pipelines: ['p'] };
  await adapter.prepare(queue);
  const schedules: CronSpec[] = [{ name: 'cron', pattern: '* * * * *', pipeline: 'p', backfill: true }];
  const spawn = (i: number) =>
    spawnWorker(
      engine,
      env,
      { queue, concurrency: 2, identity: `${short(engine)}-cron-${i}`, schedules },
      false,
    );
  try {
    const pair = await Promise.all([spawn(0), spawn(1)]);
    // The first whole minute with both workers surely up.
    const t1 = Math.ceil((Date.now() + 8000) / 60_000) * 60_000;
    await sleepUntil(t1 + 20_000);
    await Promise.all(pair.map((w) => w.stop()));
    const downAt = Date.now();
    // Down across three ticks (t1 + 1, 2, 3 min): an engine may run all, the latest, or none. Back
    // up 10 s after the last, watched until 15 s before the next.
    const last = t1 + MISSED_TICKS * 60_000;
    await sleepUntil(last + 10_000);
    const upAt = Date.now();
    const back = await spawn(0);
    await sleepUntil(last + 45_000);
    await back.stop();
    const rows = await execs(engine, 'cron');
    const live = rows.filter((r) => r.started >= t1 - 1000 && r.started < downAt);
    return {
      beforeFirstTick: rows.filter((r) => r.started < t1 - 1000).length,
      firstTickRuns: live.length,
      missedTicksRun: rows.filter((r) => r.started >= upAt).length,
      keys: rows.map((r) => `${r.key} (+${round((r.started - t1) / 1000)} s)`),
    };
  } finally {
    await adapter.close();
  }
}

// ---- footprint ----

const PACKAGE: Record<EngineName, { pkg: string; also: string[] }> = {
  dbos: { pkg: '@dbos-inc/dbos-sdk', also: [] },
  'graphile-worker': { pkg: 'graphile-worker', also: [] },
  'pg-boss': { pkg: 'pg-boss', also: [] },
  // An optional peer in its manifest, but the Redis client the default backend loads.
  bullmq: { pkg: 'bullmq', also: ['ioredis'] },
};

function resolvePackage(fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === ROOT || dir === path.dirname(dir)) return undefined;
  }
}

/** The package and every package it depends on (regular, optional, required peers), each counted once. */
function footprint(engine: EngineName) {
  const { pkg, also } = PACKAGE[engine];
  const dirs = new Set<string>();
  const visit = (dir: string, extra: string[] = []) => {
    if (dirs.has(dir)) return;
    dirs.add(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter(
      (p) => !manifest.peerDependenciesMeta?.[p]?.optional,
    );
    const names = [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...peers,
      ...extra,
    ];
    for (const name of names) {
      const found = resolvePackage(dir, name);
      if (found) visit(found);
    }
  };
  visit(path.join(ROOT, 'node_modules', pkg), also);
  // Nested node_modules are packages of the tree in their own right, counted when visited.
  const du = execFileSync('du', ['-sb', '--exclude=node_modules', ...dirs], { encoding: 'utf8' });
  const bytes = du
    .trim()
    .split('\n')
    .reduce((s, line) => s + Number(line.split('\t')[0]), 0);
  return { packages: dirs.size, mb: Math.round(bytes / 1e5) / 10 };
}

// ---- the run ----

const cleanupRedis = async () => {
  const redis = new Redis(REDIS);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${RUN}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
};

const started = Date.now();
const report: Record<string, any> = {};
try {
  for (const e of engines) {
    if (e === 'bullmq') continue;
    await createDb(engineDb(e, false));
    if (!values['no-cron']) await createDb(engineDb(e, true));
  }
  for (const e of engines) report[e] = { footprint: footprint(e) };
  // Cron needs wall-clock minutes, so it runs beside everything else; its workers idle between ticks.
  const cronDone = values['no-cron']
    ? Promise.resolve()
    : Promise.all(
        engines.map(async (e) => {
          report[e].cron = await cron(e).catch((err: Error) => ({ error: err.message }));
        }),
      );
  // Test by test, each across all engines, so the engines of one test share the machine's load.
  const adapters = new Map<EngineName, EngineAdapter>();
  for (const e of engines) {
    const adapter = await loadEngine(e, envOf(e, false));
    adapters.set(e, adapter);
    report[e].settings = adapter.settings;
  }
  const tests: [string, EngineName[], (e: EngineName, a: EngineAdapter) => Promise<unknown>][] = [
    ['latency+dedupe', engines, async (e, a) => Object.assign(report[e], await latencyAndDedupe(e, a))],
    ['throughput1x4', engines, (e, a) => throughput(e, a, 1)],
    ['throughput2x4', engines, (e, a) => throughput(e, a, 2)],
    ['limit', engines, (e, a) => concurrencyLimit(e, a, 'default')],
    ['limitGroupConcurrency', ['pg-boss'], (e, a) => concurrencyLimit(e, a, 'alt')],
    ['crash', engines, (e, a) => crash(e, a, 'restart')],
    ['crashNewIdentity', ['dbos'], (e, a) => crash(e, a, 'new-identity')],
  ];
  for (const [name, only, run] of values['cron-only'] ? [] : tests) {
    for (const e of engines.filter((x) => only.includes(x))) {
      try {
        const result = await run(e, adapters.get(e)!);
        if (name !== 'latency+dedupe') report[e][name] = result;
      } catch (err) {
        report[e][name] = { error: (err as Error).message };
        console.error(`${e} ${name}:`, err);
      }
    }
    console.error(`${name} done at +${round((Date.now() - started) / 1000)} s`);
  }
  for (const a of adapters.values()) await a.close();
  await cronDone;
  for (const e of engines) {
    const s = startup[e] ?? [];
    const med = (k: 'readyMs' | 'importMs' | 'startMs') =>
      round(
        percentile(
          s.map((x) => x[k]).sort((a, b) => a - b),
          50,
        ),
      );
    report[e].startup = {
      workers: s.length,
      readyP50Ms: med('readyMs'),
      importP50Ms: med('importMs'),
      startP50Ms: med('startMs'),
    };
  }
} finally {
  await Promise.all([...children].map((c) => (c.kill('SIGKILL'), new Promise((r) => c.once('exit', r)))));
  await results.end();
  for (const db of createdDbs) await admin.query(`drop database if exists ${db} with (force)`);
  await admin.end();
  await cleanupRedis();
}

const fmt = (v: string | number | undefined | null) => (v === undefined || v === null ? '–' : String(v));
const crashCell = (c: any) =>
  c.error
    ? c.error
    : c.recoveryMs !== null
      ? String(c.recoveryMs)
      : c.reclaimed
        ? `stuck ${c.nativeWaitMs / 1000} s, reclaim→done ${fmt(c.afterReclaimMs)}`
        : 'not recovered';
const table = engines.map((e) => {
  const r = report[e];
  const t1 = r.throughput1x4;
  const t2 = r.throughput2x4;
  const c = r.crash;
  return {
    engine: e,
    'latency p50/p95 ms': r.latency ? `${r.latency.p50Ms}/${r.latency.p95Ms}` : '–',
    'jobs/s 1×4': t1 ? `${t1.jobsPerS}${t1.capped ? ` (capped: ${t1.ran}/${JOBS})` : ''}` : '–',
    'jobs/s 2×4': t2 ? `${t2.jobsPerS}${t2.capped ? ` (capped: ${t2.ran}/${JOBS})` : ''}` : '–',
    '2×4 / 1×4': t1 && t2 ? ratio(t2.jobsPerS, t1.jobsPerS) : '–',
    'ran twice': t1 && t2 ? t1.duplicates + t2.duplicates : '–',
    'crash: kill→done ms': [c, r.crashNewIdentity]
      .filter(Boolean)
      .map((x, i) => (i ? 'new identity: ' : '') + crashCell(x))
      .join('; '),
    'crash: step1/2/3 rows': c ? `${c.step1Rows}/${c.step2Rows}/${c.step3Rows}` : '–',
    'dedupe: 2 at once / again after done': r.dedupe ? `${r.dedupe.concurrent} / ${r.dedupe.afterDone}` : '–',
    'limit 1/pipeline: max parallel (all)': r.limit
      ? `${r.limit.perPipeline} (${r.limit.overall})` +
        (r.limitGroupConcurrency
          ? `; groupConcurrency: ${r.limitGroupConcurrency.perPipeline} (${r.limitGroupConcurrency.overall})`
          : '')
      : '–',
    [`cron: 1st tick runs (2 workers) / missed of ${MISSED_TICKS} run`]:
      r.cron?.firstTickRuns !== undefined
        ? `${r.cron.firstTickRuns} / ${r.cron.missedTicksRun}`
        : fmt(r.cron?.error),
    'footprint MB (pkgs)': `${r.footprint.mb} (${r.footprint.packages})`,
    'worker ready p50 ms': fmt(r.startup?.readyP50Ms),
  };
});
console.table(table);
console.log(
  JSON.stringify(
    {
      bench: 'etl-engines',
      jobs: JOBS,
      latencyRuns: LATENCY_RUNS,
      totalS: round((Date.now() - started) / 1000),
      report,
    },
    null,
    1,
  ),
);
