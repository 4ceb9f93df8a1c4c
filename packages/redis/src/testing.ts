import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, Socket, type AddressInfo } from 'node:net';

/** A Redis server of a test's own on a free port, to hang, stop and start (the machine's is shared). */
export interface OwnRedis extends AsyncDisposable {
  readonly url: string;
  /** SIGSTOP: the socket stays open and nothing answers, as a hung server does. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Kills the server: connections drop, new ones are refused. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: it keeps nothing on disk). */
  start(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });

/**
 * Starts `redis-server` (from Debian's package, on every development and CI machine) on a free
 * port of 127.0.0.1, keeping nothing on disk. `started: false` picks the port but leaves the server
 * down, to test a service that starts without Redis.
 */
export async function startOwnRedis({ started = true }: { started?: boolean } = {}): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 100; i++) {
      if (await answers(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on ${port}`);
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  if (started) await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    pause: () => Promise.resolve(void child?.kill('SIGSTOP')),
    resume: () => Promise.resolve(void child?.kill('SIGCONT')),
    stop,
    start,
    [Symbol.asyncDispose]: stop,
  };
}
