import { context, propagation, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';

export type RecordedSpan = tracing.ReadableSpan;

export interface SpanRecorder extends AsyncDisposable {
  /** Every span ended so far, in the order they ended. */
  spans(): RecordedSpan[];
  /** The ended spans called `name`. */
  named(name: string): RecordedSpan[];
}

/**
 * Records spans in memory for a test, as a service would export them: an SDK tracer provider
 * registered globally with the AsyncLocalStorage context manager and the W3C propagator (what
 * startTelemetry gets from NodeSDK). Disposing it unregisters all three, so the tests after it in
 * the same process run untraced again.
 */
export function recordSpans(): SpanRecorder {
  const exporter = new tracing.InMemorySpanExporter();
  const provider = new node.NodeTracerProvider({
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
  });
  provider.register();
  return {
    spans: () => exporter.getFinishedSpans(),
    named: (name) => exporter.getFinishedSpans().filter((s) => s.name === name),
    async [Symbol.asyncDispose]() {
      trace.disable();
      context.disable();
      propagation.disable();
      await provider.shutdown();
    },
  };
}
