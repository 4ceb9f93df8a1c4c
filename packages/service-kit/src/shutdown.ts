import { z } from 'zod';
import { ConfigError } from './config.ts';
import { serializeError } from './logger.ts';

/** What shutdown logs through: pino's and Hive's loggers both fit. */
export interface ShutdownLogger {
  info(attrs: object, msg?: string): void;
  warn(attrs: object, msg?: string): void;
  error(attrs: object, msg?: string): void;
}

/** The longest a shutdown may take before the process exits anyway: inside Kubernetes' 30 s. */
export const SHUTDOWN_GRACE_MS = 25_000;

/**
 * The shutdown setting every service shares (services spread it into their settings).
 * SHUTDOWN_DELAY_MS: how long a stopping service keeps accepting connections after `/ready` has
 * turned 503. Locally 0. In Kubernetes a few seconds (5000) let the endpoints controller and every
 * kube-proxy/ingress drop the pod from the Service before it stops accepting: they learn of the
 * termination at the same time as the pod, and until they have, they still send it new
 * connections, which would be refused. It counts against the drain's 20 s (at most 15000, so
 * in-flight requests keep at least 5 s) and so against the 25 s grace.
 */
export const shutdownSettings = {
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(15_000).default(0),
};

/**
 * SHUTDOWN_DELAY_MS from an environment (default the process's), for services whose config does
 * not read it yet; a bad value throws a ConfigError naming the variable.
 */
export function shutdownDelayMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['SHUTDOWN_DELAY_MS'];
  const parsed = shutdownSettings.SHUTDOWN_DELAY_MS.safeParse(raw === '' ? undefined : raw);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid settings:\n  SHUTDOWN_DELAY_MS: must be a whole number of milliseconds from 0 to 15000 (got ${JSON.stringify(raw)})`,
    );
  }
  return parsed.data;
}

type Stopper = (reason: string) => void;
// Set by onShutdown; until then (the service is still starting) a launcher that goes away is
// remembered and acted on as soon as there is something to stop.
let stopper: Stopper | undefined;
let pendingStop: string | undefined;
let watching = false;

/**
 * A service started by a supervisor with an IPC channel (`npm start`'s scripts/stack.ts) exits when
 * that supervisor dies, however it died (SIGKILL included: the channel closes with the process),
 * through the same drain as SIGTERM. Without a channel (Kubernetes, a terminal) nothing changes.
 */
function watchLauncher(graceMs: number): void {
  if (!process.channel || watching) return;
  watching = true;
  // The channel must not keep the process alive, nor does the service read from it.
  process.channel.unref();
  process.once('disconnect', () => {
    if (stopper) return stopper('launcher exited');
    pendingStop = 'launcher exited';
    // Still starting: stop once started, or give up after the grace period.
    setTimeout(() => process.exit(1), graceMs).unref();
  });
}

/**
 * Runs `close` once on SIGINT or SIGTERM (or when the launcher's IPC channel closes, see above),
 * then exits. A second signal more than a second later (a person pressing Ctrl-C again), or a close
 * that takes longer than `graceMs` (default 25 s, inside Kubernetes' 30 s termination grace), exits
 * at once. Signals within that second are duplicates of the first: tsx relays a signal to the
 * process it runs, which may see it twice. `close` is the service's drain: `/ready` turns 503 at
 * once, then in-flight requests finish (see drainHttpServer).
 */
export function onShutdown(
  logger: ShutdownLogger,
  close: () => Promise<void>,
  graceMs = SHUTDOWN_GRACE_MS,
): void {
  let closingSince: number | undefined;
  const stop = (reason: string) => {
    if (closingSince !== undefined) {
      if (Date.now() - closingSince < 1000 || reason === 'launcher exited') return;
      logger.warn({ signal: reason }, 'second signal, exiting now');
      process.exit(1);
    }
    closingSince = Date.now();
    logger.info({ signal: reason }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    close().then(
      () => {
        logger.info({ durationMs: Date.now() - closingSince! }, 'shut down');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  stopper = stop;
  watchLauncher(graceMs);
  if (pendingStop) stop(pendingStop);
}

/**
 * Starts a service; a bad setting or failed start prints one clear message and exits 1. A promise
 * some library forgot to handle must not take the whole service down with every request in flight:
 * it is logged as one JSON line in the services' log shape, and the service keeps serving. When
 * launched with an IPC channel, the service also exits when its launcher does (see onShutdown).
 */
export async function runMain(service: string, start: () => Promise<unknown>): Promise<void> {
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'error', service, msg: 'unhandled rejection', err: serializeError(reason) })}\n`,
    );
  });
  watchLauncher(SHUTDOWN_GRACE_MS);
  try {
    await start();
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
}
