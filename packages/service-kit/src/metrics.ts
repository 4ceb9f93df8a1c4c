import { totalmem } from 'node:os';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export interface ServiceMetrics {
  registry: Registry;
  /** GraphQL operations handled, by operation type and outcome. */
  requestsTotal: Counter<'operation' | 'outcome'>;
  /** GraphQL errors returned, by stable error code. */
  errorsTotal: Counter<'code'>;
}

/**
 * prom-client's default gauges that end in `_total` (`promtool check metrics`: "non-counter metrics
 * should not have _total suffix"). The same numbers, by type, stay as `nodejs_active_handles`,
 * `nodejs_active_requests` and `nodejs_active_resources`.
 */
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * The process metrics every service exports: prom-client's defaults (less the misnamed gauges) and
 * `process_memory_limit_bytes`, the memory the process may use (its cgroup's limit in a container,
 * else the machine's memory), which the memory-near-limit alert divides
 * `process_resident_memory_bytes` by.
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  new Gauge({
    name: 'process_memory_limit_bytes',
    help: "Memory this process may use: its cgroup's limit, else the machine's total memory",
    registers: [registry],
    collect() {
      this.set(memoryLimitBytes());
    },
  });
}

/** The cgroup limit (Node reports 0, or a huge number for cgroup v2's `max`, when there is none). */
export function memoryLimitBytes(): number {
  const total = totalmem();
  const constrained = process.constrainedMemory();
  return constrained > 0 && constrained < total ? constrained : total;
}

/** One registry per service with the process metrics and the brief's request/error counters. */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectProcessMetrics(registry);
  return {
    registry,
    requestsTotal: new Counter({
      name: 'requests_total',
      help: 'GraphQL operations handled',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    errorsTotal: new Counter({
      name: 'errors_total',
      help: 'GraphQL errors returned, by extensions.code',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}
