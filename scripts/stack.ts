/**
 * Starts the four services as separate processes, the way they run in production, and stops them.
 * `npm start`, the end-to-end tests and the benchmarks all go through here.
 *
 * Each service gets an IPC channel to the process that started it and exits, through its usual
 * drain, when that channel closes: when this process dies, however it dies (kill -9 included), no
 * service is left behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
// Each service runs as one Node 24 process with tsx as a loader (not under the tsx CLI, which would
// put a second process in front of it): a signal, SIGSTOP or kill -9 then reaches the service itself.
const NODE = path.join(ROOT, 'node_modules/.bin/node');

export const SERVICES = ['zones', 'reports', 'predictions', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface StackOptions {
  /** Ports per service; 0 or unset picks a free one. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Extra environment for every service (DATABASE_URL, DATA_DIR, LOG_LEVEL …). */
  env?: Record<string, string | undefined>;
  /** Extra environment per service. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Where service output goes: 'inherit' (npm start), 'pipe' (kept for assertions), 'ignore'. */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  /** How long to wait for every /ready, in ms. Default 120 s (PGlite's first start is slow). */
  readyTimeoutMs?: number;
  /** Aborting it while the stack starts stops what has started and rejects. */
  signal?: AbortSignal;
}

export interface RunningService {
  name: ServiceName;
  port: number;
  baseUrl: string;
  process: ChildProcess;
  /** stdout+stderr when stdio is 'pipe'. */
  output: () => string;
}

export interface Stack extends AsyncDisposable {
  /**
   * Starts one more process of a service (a replica) with extra settings, waits until it is ready,
   * and stops it with the stack.
   */
  startReplica(name: ServiceName, env: Record<string, string | undefined>): Promise<RunningService>;
  services: Record<ServiceName, RunningService>;
  gatewayUrl: string;
  /** The secret the gateway sends; tests use it to reach a subgraph (or a replica) directly. */
  gatewaySecret: string;
  /** Stops one service (SIGTERM) and waits for it to exit. */
  stopService(name: ServiceName): Promise<number | null>;
  /**
   * Starts a service again, on its port with its settings, once its process has exited (a process
   * still running is stopped with SIGTERM first: a rolling restart), waits until it is ready, and
   * puts the new process in `services`.
   */
  restartService(name: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

// Safety net: services never outlive the process that started them.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

const definedOnly = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const entry = (name: ServiceName) =>
  path.join(ROOT, name === 'gateway' ? 'gateway' : `subgraphs/${name}`, 'src/main.ts');

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function waitReady(svc: RunningService, deadline: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    if (svc.process.exitCode !== null) {
      throw new Error(`${svc.name} exited with ${svc.process.exitCode} before it was ready\n${svc.output()}`);
    }
    try {
      const res = await fetch(`${svc.baseUrl}/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      await res.body?.cancel();
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${svc.name} was not ready in time\n${svc.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const ports = Object.fromEntries(
    await Promise.all(SERVICES.map(async (s) => [s, options.ports?.[s] || (await freePort())] as const)),
  ) as Record<ServiceName, number>;
  const url = (s: ServiceName) => `http://127.0.0.1:${ports[s]}`;
  const shared: Record<string, string | undefined> = {
    ...process.env,
    ZONES_PORT: String(ports.zones),
    REPORTS_PORT: String(ports.reports),
    PREDICTIONS_PORT: String(ports.predictions),
    GATEWAY_PORT: String(ports.gateway),
    // Subgraphs trust only the gateway; one fresh secret per run unless the operator set one.
    GATEWAY_SECRET: process.env['GATEWAY_SECRET'] ?? randomBytes(32).toString('base64url'),
    ZONES_URL: `${url('zones')}/graphql`,
    REPORTS_URL: `${url('reports')}/graphql`,
    PREDICTIONS_URL: `${url('predictions')}/graphql`,
    ...options.env,
  };
  const stdio = options.stdio ?? 'pipe';
  const spawnService = (
    name: ServiceName,
    port = ports[name],
    extraEnv: Record<string, string | undefined> = {},
  ): RunningService => {
    const portVar = `${name.toUpperCase()}_PORT`;
    const child = spawn(NODE, ['--import', 'tsx', entry(name)], {
      cwd: ROOT,
      // An undefined value unsets the variable (spawn would pass the string "undefined").
      env: definedOnly({ ...shared, ...options.serviceEnv?.[name], ...extraEnv, [portVar]: String(port) }),
      // The IPC channel is the service's lifeline: it closes when this process dies, and the
      // service then drains and exits (service-kit's onShutdown). Nothing is sent on it.
      stdio: stdio === 'inherit' ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', stdio, stdio, 'ipc'],
      // Own process group: Ctrl-C reaches only the supervisor, which stops each service once, in order.
      detached: true,
    });
    // The channel does not keep this process alive either.
    child.channel?.unref();
    live.add(child);
    child.once('exit', () => live.delete(child));
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    return { name, port, baseUrl: `http://127.0.0.1:${port}`, process: child, output: () => output };
  };

  const services = {} as Record<ServiceName, RunningService>;
  const stopService = async (name: ServiceName) => {
    const svc = services[name];
    if (!svc) return null;
    svc.process.kill('SIGTERM');
    return exited(svc.process);
  };
  const replicas: RunningService[] = [];
  const stop = async () => {
    await Promise.all(
      replicas.splice(0).map((r) => {
        r.process.kill('SIGTERM');
        return exited(r.process);
      }),
    );
    // Gateway first, so it stops taking requests before its subgraphs go.
    if (services.gateway) await stopService('gateway');
    await Promise.all(SERVICES.filter((s) => s !== 'gateway').map(stopService));
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  const { signal } = options;
  try {
    signal?.throwIfAborted();
    for (const s of ['zones', 'reports', 'predictions'] as const) services[s] = spawnService(s);
    await Promise.all(
      (['zones', 'reports', 'predictions'] as const).map((s) => waitReady(services[s], deadline, signal)),
    );
    signal?.throwIfAborted();
    services.gateway = spawnService('gateway');
    await waitReady(services.gateway, deadline, signal);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    services,
    gatewayUrl: `${url('gateway')}/graphql`,
    gatewaySecret: shared['GATEWAY_SECRET']!,
    stopService,
    async restartService(name) {
      await stopService(name);
      services[name] = spawnService(name);
      await waitReady(services[name], Date.now() + (options.readyTimeoutMs ?? 120_000), signal);
    },
    async startReplica(name, env) {
      const replica = spawnService(name, await freePort(), env);
      replicas.push(replica);
      await waitReady(replica, Date.now() + (options.readyTimeoutMs ?? 120_000), signal);
      return replica;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** A process as the launcher watch sees it: its parent and its command line. */
function processInfo(pid: number): { ppid: number; args: string[]; zombie: boolean } | undefined {
  try {
    // Linux: /proc. `comm` is in parentheses and may hold spaces, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { ppid: Number(ppid), args, zombie: state === 'Z' };
  } catch {
    // Not Linux (macOS), or the process is gone.
  }
  try {
    const out = execFileSync('ps', ['-o', 'ppid=,state=,args=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const [ppid, state, ...args] = out.split(/\s+/);
    return out ? { ppid: Number(ppid), args, zombie: state?.startsWith('Z') ?? false } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A process that only runs another: `sh -c …` (npm runs scripts that way) or the tsx CLI (which
 * runs the script in a child node and relays signals to it). Neither passes on its own parent's
 * death: when npm dies, the sh under it dies without a word to its child, and tsx lives on.
 */
function isWrapper(args: string[]): boolean {
  const [command = '', first = ''] = args;
  const name = path.basename(command);
  if (['sh', 'dash', 'bash', 'zsh'].includes(name) && first === '-c') return true;
  if (name === 'tsx') return true;
  // `node …/node_modules/.bin/tsx script` or `node …/tsx/dist/cli.mjs script`, not `node --import tsx`.
  return (
    /^node(\.exe)?$/.test(name) &&
    (path.basename(first) === 'tsx' || /tsx[/\\]dist[/\\]cli\.m?js$/.test(first))
  );
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive, but not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !(processInfo(pid)?.zombie ?? false);
};

/**
 * Calls `onExit` once when the process that launched this one has died: the nearest ancestor that
 * is not a mere wrapper (npm for `npm start`, a shell or a test runner otherwise), or any wrapper
 * between it and this process. `npm start` runs npm → sh -c → tsx → node; `kill -TERM <npm>`
 * kills npm and its sh, but tsx and this process would live on, orphaned, with every service.
 * Checked every `intervalMs` (default 500 ms); the timer does not keep the process alive.
 */
export function onLauncherExit(onExit: () => void, intervalMs = 500): () => void {
  const first = process.ppid;
  const chain: number[] = [];
  for (let pid = first, depth = 0; pid > 1 && depth < 8; depth++) {
    chain.push(pid);
    const info = processInfo(pid);
    if (!info || !isWrapper(info.args)) break;
    pid = info.ppid;
  }
  const timer = setInterval(() => {
    if (process.ppid === first && chain.every(alive)) return;
    clearInterval(timer);
    onExit();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
