import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { runChecks } from '@cityassist/service-kit';

/**
 * `/ready` is true only when every subgraph's own `/ready` answers 200, so a load balancer stops
 * sending traffic to a gateway whose graph is broken. `/health` (liveness) stays the runtime's.
 */
export function useReadiness(opts: {
  endpoint: string;
  subgraphs: Record<string, string>;
  timeoutMs?: number;
  /**
   * Optional dependencies that are away right now (Redis): listed in the body as `degraded`, but
   * the gateway stays ready, since it serves without them and an orchestrator would otherwise take
   * every serving pod out at once.
   */
  degraded?: () => string[];
}): GatewayPlugin {
  const checks = Object.fromEntries(
    Object.entries(opts.subgraphs).map(([name, url]) => {
      const readyUrl = new URL('/ready', url).toString();
      return [
        name,
        async () => {
          const res = await fetch(readyUrl, { signal: AbortSignal.timeout(opts.timeoutMs ?? 2000) });
          await res.body?.cancel();
          return res.ok;
        },
      ];
    }),
  );
  return {
    onRequest(payload) {
      const { url, fetchAPI } = payload;
      if (url.pathname !== opts.endpoint) return;
      return runChecks(checks, opts.timeoutMs).then((result) => {
        payload.endResponse(
          new fetchAPI.Response(
            JSON.stringify({ ready: result.ready, checks: result.checks, degraded: opts.degraded?.() ?? [] }),
            {
              status: result.ready ? 200 : 503,
              headers: { 'content-type': 'application/json' },
            },
          ),
        );
      });
    },
  };
}
