import { register } from 'node:module';
import {
  ALL_INSTRUMENTATIONS,
  HOOKED_MODULES,
  loadInstrumentations,
  type InstrumentationName,
} from './instrumentations.ts';
import { telemetryPlan } from './settings.ts';

export interface TelemetryOptions {
  /**
   * Which libraries to instrument. Default all of them (the subgraphs); the gateway takes only
   * `ioredis`, since Hive's own plugin traces its HTTP and GraphQL work.
   */
  instrument?: readonly InstrumentationName[];
  /** Where the OTEL_* variables are read. Default the process's environment. */
  env?: NodeJS.ProcessEnv;
}

/** The longest a stopping service waits for its last spans to be exported. */
const FLUSH_TIMEOUT_MS = 3000;

/** Flushes what is buffered (for at most 3 s) and stops the SDK; calling it again does nothing. */
export type StopTelemetry = () => Promise<void>;

/**
 * Starts tracing for a service, configured by the standard OTEL_* variables (settings.ts), or does
 * nothing at all when no OTLP endpoint is set. Call it before the service imports anything it
 * traces: under ESM, `pg`, `ioredis`, `http`, `express`, `graphql` and `dataloader` can only be
 * patched if they are loaded after the module hook registered here (an entry point imports this
 * first and the service after it, dynamically). Returns what flushes and stops it at shutdown.
 */
export async function startTelemetry(
  serviceName: string,
  options: TelemetryOptions = {},
): Promise<StopTelemetry> {
  const plan = telemetryPlan(serviceName, options.env);
  if (!plan.enabled) return () => Promise.resolve();
  const names = options.instrument ?? ALL_INSTRUMENTATIONS;
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: names.flatMap((n) => HOOKED_MODULES[n]) },
  });
  const [{ NodeSDK }, { RequestScopedSampler, samplerOf }, instrumentations] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('./sampler.ts'),
    loadInstrumentations(names),
  ]);
  const sdk = new NodeSDK({
    serviceName: plan.serviceName,
    instrumentations,
    sampler: new RequestScopedSampler(samplerOf(plan.sampler, plan.ratio)),
    // Traces only: metrics stay Prometheus (/metrics) and logs stay JSON lines on stdout. Without
    // these the SDK would also start OTLP metric and log exporters towards the same endpoint.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= Promise.race([
      sdk.shutdown().catch(() => undefined),
      // A collector that does not answer must not hold a stopping service past its grace period
      // (the exporter's own timeout is 10 s, after a drain of up to 20 s).
      new Promise<void>((resolve) => setTimeout(resolve, FLUSH_TIMEOUT_MS).unref()),
    ]));
}
