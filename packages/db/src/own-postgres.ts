/**
 * A Postgres server of a test's own, to stop and start at will (database outages, fault
 * injection), never the machine's shared one. `initdb` into a temporary folder, `pg_ctl` to start
 * and stop it on a free port of 127.0.0.1 with its socket in that folder; disposing of it stops it
 * and deletes the folder. Postgres refuses to run as root: as root, every step runs as the
 * `postgres` user (else `nobody`) through `runuser`, with the folder handed to that user.
 *
 *   await using pg = await startOwnPostgres();
 *   const db = await openDatabase({ url: pg.url });
 *   await pg.stop();   // the outage: 57P01 for sessions, ECONNREFUSED for new connections
 *   await pg.start();  // the same data, port and URL again
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface OwnPostgresOptions {
  /** Port on 127.0.0.1. Default: a free one. */
  port?: number;
  /** Extra server settings, `-c name=value` each (e.g. `{ max_connections: '5' }`). */
  settings?: Record<string, string>;
}

export interface OwnPostgres extends AsyncDisposable {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, trust authentication. */
  readonly url: string;
  readonly port: number;
  /** The temporary folder: `data/` (the cluster), `server.log`, the Unix socket. */
  readonly dir: string;
  /** Whether the server is running (as far as this helper started and stopped it). */
  readonly running: boolean;
  /** Starts the server again, same data and port; resolves once it accepts connections. */
  start(): Promise<void>;
  /**
   * Stops the server and resolves once it is down. `fast` (default) ends every session with
   * 57P01 (admin_shutdown), as a planned restart or failover does; `immediate` is a crash (no
   * shutdown checkpoint, sessions see their connection drop); `smart` waits for sessions to end.
   */
  stop(options?: { mode?: 'smart' | 'fast' | 'immediate' }): Promise<void>;
  /** The server's log so far (for a failing test's message). */
  log(): Promise<string>;
  /** Stops the server (immediate) and deletes the folder. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The folder of `initdb`, `pg_ctl` and `postgres`: POSTGRES_BIN_DIR, else `pg_config --bindir`,
 * else the newest /usr/lib/postgresql/<version>/bin (Debian, Ubuntu), else undefined.
 */
export function postgresBinDir(): string | undefined {
  const has = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'));
  const fromEnv = process.env['POSTGRES_BIN_DIR'];
  if (fromEnv) return has(fromEnv) ? fromEnv : undefined;
  try {
    const dir = execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (has(dir)) return dir;
  } catch {
    // no pg_config on PATH
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(path.join(debian, v, 'bin'))) return path.join(debian, v, 'bin');
  }
  return undefined;
}

/** Who runs the server: this process, or (as root) the `postgres` user, else `nobody`. */
function serverUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
      return { name, uid: id('-u'), gid: id('-g') };
    } catch {
      // no such user
    }
  }
  throw new Error('running as root, but there is neither a postgres nor a nobody user to run Postgres as');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// Servers this process started and has not stopped: stopped if the test process exits first, so
// no postmaster outlives its test.
const running = new Map<string, () => void>();
process.once('exit', () => {
  for (const stop of running.values()) stop();
});

export async function startOwnPostgres(options: OwnPostgresOptions = {}): Promise<OwnPostgres> {
  const bin = postgresBinDir();
  if (!bin) {
    throw new Error(
      'No Postgres binaries (initdb, pg_ctl) found: install postgresql or set POSTGRES_BIN_DIR',
    );
  }
  const user = serverUser();
  const as = (file: string, args: string[]) =>
    user
      ? (['runuser', ['-u', user.name, '--', path.join(bin, file), ...args]] as const)
      : ([path.join(bin, file), args] as const);
  const exec = async (file: string, args: string[], timeoutMs = 60_000) => {
    const [cmd, argv] = as(file, args);
    return run(cmd, [...argv], { timeout: timeoutMs, encoding: 'utf8' });
  };

  const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-pg-'));
  if (user) await chown(dir, user.uid, user.gid);
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const port = options.port ?? (await freePort());
  const serverOptions = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    // A throwaway cluster: durability buys nothing and costs time.
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    ...Object.entries(options.settings ?? {}).map(([k, v]) => `-c ${k}=${v}`),
  ].join(' ');
  let isRunning = false;

  const stopSync = () => {
    try {
      const [cmd, argv] = as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      execFileSync(cmd, [...argv], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // already down
    }
  };
  const start = async () => {
    await exec('pg_ctl', ['-D', data, '-l', logFile, '-o', serverOptions, '-w', '-t', '60', 'start']);
    isRunning = true;
    running.set(dir, stopSync);
  };
  const stop = async ({ mode = 'fast' }: { mode?: 'smart' | 'fast' | 'immediate' } = {}) => {
    await exec('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    isRunning = false;
    running.delete(dir);
  };

  try {
    await exec('initdb', [
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    await start();
  } catch (err) {
    stopSync();
    running.delete(dir);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    get running() {
      return isRunning;
    },
    start,
    stop,
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    async [Symbol.asyncDispose]() {
      if (isRunning) await stop({ mode: 'immediate' }).catch(() => stopSync());
      running.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
