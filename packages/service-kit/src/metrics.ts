import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

export interface ServiceMetrics {
  registry: Registry;
  /** GraphQL operations handled, by operation type and outcome. */
  requestsTotal: Counter<'operation' | 'outcome'>;
  /** GraphQL errors returned, by stable error code. */
  errorsTotal: Counter<'code'>;
}

/** One registry per service with the process metrics and the brief's request/error counters. */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
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
