import { serializeError } from './logger.ts';

/** What shutdown logs through: pino's and Hive's loggers both fit. */
export interface ShutdownLogger {
  info(attrs: object, msg?: string): void;
  warn(attrs: object, msg?: string): void;
  error(attrs: object, msg?: string): void;
}

/**
 * Runs `close` once on SIGINT or SIGTERM, then exits. A second signal more than a second later (a
 * person pressing Ctrl-C again), or a close that takes longer than `graceMs` (default 25 s, inside
 * Kubernetes' 30 s termination grace), exits at once. Signals within that second are duplicates
 * of the first: tsx relays a signal to the process it runs, which may see it twice.
 */
export function onShutdown(logger: ShutdownLogger, close: () => Promise<void>, graceMs = 25_000): void {
  let closingSince: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (closingSince !== undefined) {
      if (Date.now() - closingSince < 1000) return;
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    closingSince = Date.now();
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * Starts a service; a bad setting or failed start prints one clear message and exits 1. A promise
 * some library forgot to handle must not take the whole service down with every request in flight:
 * it is logged as one JSON line in the services' log shape, and the service keeps serving.
 */
export async function runMain(service: string, start: () => Promise<unknown>): Promise<void> {
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'error', service, msg: 'unhandled rejection', err: serializeError(reason) })}\n`,
    );
  });
  try {
    await start();
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
}
