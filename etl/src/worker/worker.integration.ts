import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, openDatabase, type Database } from '@cityassist/db';
import { Catalog } from '@cityassist/feature-store';
import { jobKey, submit, type EtlJob } from './engine.ts';

const ENTRY = path.resolve(import.meta.dirname, '../../worker.ts');
const quiet = { warn: () => {}, error: () => {} };

/** A worker process; resolves once it logged that it is ready. */
function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      env: { ...process.env, LOG_LEVEL: 'info', ETL_WORKER_PORT: '0', ETL_POLL_MS: '100', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('etl worker ready')) resolve(child);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) =>
      reject(new Error(`worker exited ${code}: ${err.slice(-2000)}${out.slice(-2000)}`)),
    );
  });
}

async function stop(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

async function readings(file: string, sensors: number, hours: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('location_id,datetime,parameter,value,unit\n');
  const start = Date.parse('2015-01-01T00:00:00Z');
  for (let s = 0; s < sensors; s++) {
    let chunk = '';
    for (let h = 0; h < hours; h++) {
      chunk += `s${s},${new Date(start + h * 3_600_000).toISOString()},pm25,${(s + h) % 90},µg/m³\n`;
    }
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the ETL worker on the job engine (DBOS on the local Postgres)', () => {
  let url: string | undefined;
  let dispose: (() => Promise<void>) | undefined;
  let db: Database;
  let dir: string;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];

  before(async () => {
    const test = await createTestDatabase();
    if (!test) return;
    url = test.url;
    dispose = async () => {
      await test[Symbol.asyncDispose]();
    };
    db = await openDatabase({ url });
    dir = await mkdtemp(path.join(tmpdir(), 'etl-worker-'));
    env = {
      DATABASE_URL: url,
      FEATURE_STORE_DIR: path.join(dir, 'store'),
      ETL_INBOX_DIR: path.join(dir, 'inbox'),
    };
  });
  after(async () => {
    for (const c of children) await stop(c, 'SIGKILL');
    if (url) {
      await db.close();
      await dispose!();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it(
    'a worker killed in the middle of a run is resumed by its next start, and the delivery loads once',
    { timeout: 240_000 },
    async (t) => {
      if (!url) return t.skip('no Postgres on this machine');
      const file = path.join(dir, 'year.csv');
      // Large enough that the run is still going when it is killed (seconds, not milliseconds).
      await readings(file, 40, 8760);
      const first = await startWorker({ ...env, ETL_WORKER_ID: 'worker-a' });
      children.push(first);
      const job: EtlJob = {
        pipeline: 'air-quality',
        sources: [file],
        trigger: 'test',
        requestedBy: 'test:worker',
      };
      const submitted = await submit(url, job, jobKey(job), quiet);
      try {
        await waitFor(
          'the run to start',
          async () =>
            (
              await db.query(
                "select 1 from feature_store.etl_runs where run_id = $1 and status = 'running'",
                [submitted.workflowId],
              )
            )[0],
        );
        await new Promise((r) => setTimeout(r, 300));
        await stop(first, 'SIGKILL');
        const killedAt = await new Catalog(db).run(submitted.workflowId);
        assert.equal(killedAt?.status, 'running', 'killed mid-run, before its load committed');

        // The same worker identity starts again (a StatefulSet pod keeps its name) and resumes the run.
        children.push(await startWorker({ ...env, ETL_WORKER_ID: 'worker-a' }));
        const [summary] = await submitted.result();
        assert.equal(summary!.status, 'succeeded', JSON.stringify(summary));
        assert.equal(summary!.rows_loaded, 40 * 8760);
        const run = (await new Catalog(db).run(submitted.workflowId))!;
        assert.equal(run.attempts, 2, 'the same run, attempted twice');
        assert.equal((await new Catalog(db).versions({})).length, 1, 'loaded once');
      } finally {
        await submitted.close();
      }

      // Submitting the same request again is the same run: nothing new.
      const again = await submit(url, job, jobKey(job), quiet);
      try {
        assert.equal(again.workflowId, submitted.workflowId);
        const [summary] = await again.result();
        assert.equal(summary!.status, 'succeeded');
        assert.equal((await new Catalog(db).versions({})).length, 1);
      } finally {
        await again.close();
      }
    },
  );

  it(
    'a backfill runs day by day; a second worker takes runs too, and no delivery loads twice',
    { timeout: 240_000 },
    async (t) => {
      if (!url) return t.skip('no Postgres on this machine');
      children.push(await startWorker({ ...env, ETL_WORKER_ID: 'worker-b' }));
      const file = path.join(dir, 'week.csv');
      await readings(file, 3, 24 * 7);
      const job: EtlJob = {
        pipeline: 'air-quality',
        sources: [file],
        from: '2015-01-02T00:00:00.000Z',
        to: '2015-01-05T00:00:00.000Z',
        trigger: 'backfill',
        requestedBy: 'test:worker',
      };
      const backfill = await submit(url, job, jobKey(job), quiet);
      // The same file twice under two keys, racing: the engine runs both, the store loads it once.
      const whole: EtlJob = { ...job, from: undefined, to: undefined };
      const racing = await Promise.all(['k1', 'k2'].map((k) => submit(url!, whole, k, quiet)));
      try {
        const days = await backfill.result();
        assert.deepEqual(
          days.map((d) => [d.status, d.rows_loaded]),
          [
            ['succeeded', 72],
            ['succeeded', 72],
            ['succeeded', 72],
          ],
        );
        const results = (await Promise.all(racing.map((r) => r.result()))).map(([s]) => s!.status).sort();
        assert.deepEqual(results, ['duplicate', 'succeeded']);
      } finally {
        await backfill.close();
        for (const r of racing) await r.close();
      }
    },
  );

  it('a worker start sweeps what a crashed load left in the offline store, and only that', async (t) => {
    if (!url) return t.skip('no Postgres on this machine');
    const view = path.join(env.FEATURE_STORE_DIR!, 'sensor_pm_hourly');
    const crashed = path.join(view, 'version=crashed');
    const inFlight = path.join(view, 'version=in-flight');
    for (const d of [crashed, inFlight]) {
      await mkdir(path.join(d, 'date=2015-01-01'), { recursive: true });
      await writeFile(path.join(d, 'date=2015-01-01', 'part-0.parquet'), 'PAR1');
    }
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(crashed, twoHoursAgo, twoHoursAgo);
    const committed = (await new Catalog(db).versions({})).map((v) => v.offlineUri);
    assert.ok(committed.length > 0, 'the runs above committed versions');

    children.push(await startWorker({ ...env, ETL_WORKER_ID: 'worker-c' }));
    await waitFor('the sweep', async () => ((await stat(crashed).catch(() => undefined)) ? undefined : true));
    assert.ok(await stat(inFlight), 'a version younger than the grace may be a load in flight: kept');
    for (const uri of committed) assert.ok(await stat(uri), `committed ${uri} kept`);
  });
});
