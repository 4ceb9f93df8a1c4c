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

/**
 * `/health` says the process is alive (liveness: no dependency is checked, so a database outage
 * does not make Kubernetes restart every pod); `/ready` says its dependencies answer (readiness);
 * `/metrics` is the Prometheus text format.
 */
export function mountProbes(
  app: Express,
  opts: { readiness: Record<string, ReadinessCheck>; registry: Registry; logger: Logger },
): void {
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const result = await runChecks(opts.readiness);
    if (!result.ready) opts.logger.warn({ checks: result.checks }, 'not ready');
    res.status(result.ready ? 200 : 503).json(result);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(opts.registry.contentType).send(await opts.registry.metrics());
  });
}
