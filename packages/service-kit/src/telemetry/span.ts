import {
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanOptions as ApiSpanOptions,
  type SpanKind,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

const TRACER_NAME = 'cityassist';

/**
 * The tracer CityAssist's own spans come from, for what withSpan does not cover (a span started
 * here and ended elsewhere). A no-op until startTelemetry registers the SDK. Each call asks the
 * provider registered at the time: the API's own module-level proxy tracer stays bound to the
 * first provider it saw, which a test that registers a recorder after another was disposed trips on.
 */
export const tracer: Tracer = new (class CurrentTracer implements Tracer {
  startSpan(name: string, options?: ApiSpanOptions, ctx?: Context): Span {
    return trace.getTracer(TRACER_NAME).startSpan(name, options, ctx);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: ApiSpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: ApiSpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan(...args: unknown[]): unknown {
    const current = trace.getTracer(TRACER_NAME) as unknown as { startActiveSpan(...a: unknown[]): unknown };
    return current.startActiveSpan(...args);
  }
})();

// The provider the API hands out while no SDK is registered: a span from it records nothing.
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether an SDK is registered: false when tracing is off, so a caller can skip even building a
 * span's attributes. Reads one global; no allocation.
 */
export function tracingEnabled(): boolean {
  const provider: TracerProvider & { getDelegate?: () => TracerProvider } = trace.getTracerProvider();
  return provider.getDelegate?.() !== NOOP_PROVIDER;
}

/** What `fn` receives when tracing is off: every call on it does nothing. */
const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export interface SpanOptions {
  /** Default INTERNAL. CLIENT/SERVER/PRODUCER/CONSUMER when the span is one side of a call. */
  kind?: SpanKind;
  /** Spans this one is caused by without being their child (a batch of several requests' rows). */
  links?: Link[];
}

/**
 * Runs `fn` inside a span named `name` that carries `attributes`, is the active span for whatever
 * `fn` calls (database, HTTP and child spans nest under it), and ends when `fn` returns or its
 * promise settles; a throw or rejection is recorded on the span (status ERROR, an `exception`
 * event) and passed on unchanged. With tracing off it is `fn(noopSpan)`: no span, no context
 * switch, no allocation. `fn` may add attributes it learns on the way (`span.setAttribute`).
 *
 *   const rows = await withSpan('feature_store.read', { 'db.collection.name': 'zone_features' }, (span) => …);
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes | undefined,
  fn: (span: Span) => T,
  options: SpanOptions = {},
): T {
  if (!tracingEnabled()) return fn(NOOP_SPAN);
  return tracer.startActiveSpan(name, { attributes, kind: options.kind, links: options.links }, (span) => {
    try {
      const result = fn(span);
      if (result instanceof Promise) {
        return result.then(
          (value: unknown) => {
            span.end();
            return value;
          },
          (err: unknown) => {
            failed(span, err);
            span.end();
            throw err;
          },
        ) as T;
      }
      span.end();
      return result;
    } catch (err) {
      failed(span, err);
      span.end();
      throw err;
    }
  });
}

function failed(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  // The semantic conventions' `error.type`: the class of the error, low in cardinality.
  span.setAttribute('error.type', error.name);
}
