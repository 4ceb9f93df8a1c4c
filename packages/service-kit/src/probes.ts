import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** A dependency check: resolves when the dependency answers, rejects (or resolves false) when not. */
export type ReadinessCheck = () => Promise<boolean | void>;

/** Runs every check with a deadline so a hung dependency makes `/ready` say no instead of hanging. */
export async function runChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = 2000,
): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        const ok = await Promise.race([check().then((r) => r !== false), deadline]);
        return [name, ok] as const;
      } catch {
        return [name, false] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every(([, ok]) => ok), checks: Object.fromEntries(results) };
}

/** What `/ready` answers while the service shuts down: 503 at once, before any check runs. */
export const SHUTTING_DOWN_BODY = { ready: false, status: 'shutting down', checks: {} } as const;

/**
 * `/health` says the process is alive (liveness: no dependency is checked, so a database outage
 * does not make Kubernetes restart every pod); `/ready` says its dependencies answer (readiness),
 * and 503 "shutting down" from the moment a shutdown begins (`draining`), so a load balancer stops
 * sending it traffic while it drains; `/metrics` is the Prometheus text format.
 */
export function mountProbes(
  app: Express,
  opts: {
    readiness: Record<string, ReadinessCheck>;
    registry: Registry;
    logger: Logger;
    draining?: () => boolean;
    /**
     * Optional dependencies that are away right now (Redis): listed as `degraded` in the body while
     * `/ready` stays 200, since the service serves without them and an orchestrator would otherwise
     * take every serving pod out at once.
     */
    degraded?: () => string[];
  },
): void {
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  let lastFailing = '';
  app.get('/ready', async (_req, res) => {
    if (opts.draining?.()) {
      res.status(503).json(SHUTTING_DOWN_BODY);
      return;
    }
    const result = await runChecks(opts.readiness);
    // Logged when the answer changes, not at every probe (a kubelet asks every few seconds).
    const failing = Object.keys(result.checks)
      .filter((name) => !result.checks[name])
      .join(',');
    if (failing !== lastFailing) {
      if (failing) opts.logger.warn({ checks: result.checks }, 'not ready');
      else opts.logger.info({ checks: result.checks }, 'ready again');
      lastFailing = failing;
    }
    res
      .status(result.ready ? 200 : 503)
      .json(opts.degraded ? { ...result, degraded: opts.degraded() } : result);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(opts.registry.contentType).send(await opts.registry.metrics());
  });
}
