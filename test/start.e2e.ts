/** `npm start` and the services' start-up validation, as a user meets them. */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { freePort, ROOT } from '../scripts/stack.ts';
import { postGraphQL } from './support.ts';

const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settings for one `npm start` of a test: its own data folder and free ports, quiet logs. */
async function startEnv() {
  const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-start-'));
  const ports = {
    GATEWAY_PORT: await freePort(),
    ZONES_PORT: await freePort(),
    REPORTS_PORT: await freePort(),
    PREDICTIONS_PORT: await freePort(),
  };
  const env = {
    ...process.env,
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    DATABASE_URL: '',
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
  };
  return { dir, ports, env };
}

/** The service processes (…/src/main.ts) below a process, by pid, found through ps. */
function servicesUnder(root: number): Map<number, string> {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
  const below = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of rows) {
      if (below.has(row.ppid) && !below.has(row.pid)) {
        below.add(row.pid);
        grew = true;
      }
    }
  }
  return new Map(
    rows.filter((r) => below.has(r.pid) && /src\/main\.ts/.test(r.args)).map((r) => [r.pid, r.args] as const),
  );
}

const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    // A zombie has exited: ps says Z.
    return !/Z/.test(execFileSync('ps', ['-o', 'state=', '-p', String(pid)], { encoding: 'utf8' }));
  } catch {
    return false;
  }
};

/** Waits (up to 40 s: a drain takes at most 25 s) until none of the processes runs and no port answers. */
async function assertAllGone(pids: Iterable<number>, ports: Record<string, number>, out: () => string) {
  const deadline = Date.now() + 40_000;
  const all = [...pids];
  for (;;) {
    const left = all.filter(running);
    if (left.length === 0) break;
    assert.ok(Date.now() < deadline, `still running: ${left.join(', ')}\n${out()}`);
    await sleep(250);
  }
  for (const [name, port] of Object.entries(ports)) {
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), `${name} ${port} still answers\n${out()}`);
  }
}

/** `npm start` in a process group of its own, as a shell job or `timeout` would run it. */
function npmStart(env: NodeJS.ProcessEnv, command: string[] = ['npm', 'start']) {
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Every process that inherited npm's stdout (the supervisor, the services) has exited.
  const outputClosed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, exit, outputClosed, out: () => out };
}

async function waitUp(run: { child: ChildProcess; out: () => string }) {
  const deadline = Date.now() + 120_000;
  while (!run.out().includes('CityAssist is up.')) {
    assert.equal(run.child.exitCode, null, `npm start exited early:\n${run.out()}`);
    assert.ok(Date.now() < deadline, `not up in time:\n${run.out()}`);
    await sleep(200);
  }
}

/** Last resort after a failed test: nothing it started may outlive it. */
function killAll(group: number | undefined, pids: Iterable<number>) {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  try {
    if (group) process.kill(-group, 'SIGKILL');
  } catch {
    // gone
  }
}

describe('npm start', () => {
  it('starts four services, prints their URLs, and stops them all on SIGTERM', async () => {
    const { dir, ports, env } = await startEnv();
    const child = spawn(TSX, ['scripts/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 120_000;
      while (!out.includes('CityAssist is up.')) {
        assert.equal(child.exitCode, null, `npm start exited early:\n${out}`);
        assert.ok(Date.now() < deadline, `not up in time:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(out.includes(`http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`), out);
      const res = await postGraphQL(
        `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`,
        '{ zones(first: 1) { totalCount } }',
      );
      assert.equal(res.data?.['zones'].totalCount, 470);
      child.kill('SIGTERM');
      assert.equal(await exit, 0, out);
      assert.match(out, /All services stopped/);
      // Each service closed its own resources within the grace period, none was cut off.
      assert.doesNotMatch(out, /shutdown took too long|second signal/);
      for (const port of Object.values(ports)) {
        await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), `port ${port} still answers`);
      }
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('npm start is a supervisor: no service outlives it', () => {
  it('SIGTERM to the npm process stops every service (each drains), none left running', async () => {
    const { dir, ports, env } = await startEnv();
    const run = npmStart(env);
    let pids = new Map<number, string>();
    try {
      await waitUp(run);
      pids = servicesUnder(run.child.pid!);
      assert.equal(pids.size, 4, [...pids.values()].join('\n'));
      // Only npm itself: npm passes it to its `sh -c`, which dies without passing it on.
      run.child.kill('SIGTERM');
      await run.exit;
      await assertAllGone(pids.keys(), ports, run.out);
      await run.outputClosed;
      assert.match(run.out(), /launcher exited: stopping all services…[\s\S]*All services stopped/);
      assert.doesNotMatch(run.out(), /shutdown took too long|second signal/);
    } finally {
      killAll(run.child.pid, pids.keys());
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('EXPECTED FAILURE - the launcher killed outright (SIGKILL to its process group, as `timeout -s KILL` does): every service still exits', async () => {
    const { dir, ports, env } = await startEnv();
    const run = npmStart(env);
    let pids = new Map<number, string>();
    try {
      await waitUp(run);
      pids = servicesUnder(run.child.pid!);
      assert.equal(pids.size, 4, [...pids.values()].join('\n'));
      // npm, sh, tsx and the supervisor die at once, with no chance to stop anything: the
      // services see their IPC channel close.
      process.kill(-run.child.pid!, 'SIGKILL');
      await run.exit;
      await assertAllGone(pids.keys(), ports, run.out);
    } finally {
      killAll(run.child.pid, pids.keys());
      await rm(dir, { recursive: true, force: true });
    }
  });

  const noTimeout = spawnSync('timeout', ['--version']).error ? 'no timeout(1) here' : false;
  it(
    '`timeout 8 npm start` (SIGTERM while the services start) leaves no service running',
    { skip: noTimeout },
    async () => {
      const { dir, ports, env } = await startEnv();
      const run = npmStart(env, ['timeout', '8', 'npm', 'start']);
      const pids = new Map<number, string>();
      try {
        // Every service the run ever had, seen while it runs.
        while (run.child.exitCode === null && run.child.signalCode === null) {
          for (const [pid, args] of servicesUnder(run.child.pid!)) pids.set(pid, args);
          await sleep(200);
        }
        assert.equal(await run.exit, 124, run.out()); // timeout's "timed out"
        assert.ok(pids.size > 0, `no service had started:\n${run.out()}`);
        await assertAllGone(pids.keys(), ports, run.out);
      } finally {
        killAll(run.child.pid, pids.keys());
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('EXPECTED FAILURE - GATEWAY_PORT=abc npm start is refused, naming the variable, before anything starts', () => {
    const run = spawnSync('npm', ['start'], {
      cwd: ROOT,
      env: { ...process.env, GATEWAY_PORT: 'abc' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /GATEWAY_PORT: .*\(got "abc"\)/);
    assert.doesNotMatch(run.stdout, /Starting zones/);
  });
});

describe('start-up validation', () => {
  for (const [service, variable, value] of [
    ['subgraphs/zones', 'ZONES_PORT', 'abc'],
    ['subgraphs/reports', 'DATABASE_URL', 'mysql://root@localhost/db'],
    ['subgraphs/predictions', 'FLOOD_MODEL_VERSION', '../../etc'],
    ['subgraphs/predictions', 'LOG_LEVEL', 'loud'],
    ['gateway', 'GATEWAY_PORT', '70000'],
    ['gateway', 'ZONES_URL', 'not a url'],
  ] as const) {
    it(`EXPECTED FAILURE - ${service} refuses ${variable}=${value} and names it`, () => {
      const run = spawnSync(TSX, [path.join(service, 'src/main.ts')], {
        cwd: ROOT,
        env: { ...process.env, [variable]: value },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`${variable}:`));
    });
  }
});
