import {
  ProxyTracerProvider,
  SpanStatusCode,
  trace,
  type Attributes,
  type Link,
  type Span,
  type TracerProvider,
} from '@opentelemetry/api';

/**
 * The spans of model serving (docs/tracing.md). This package depends on @opentelemetry/api only,
 * not on service-kit's withSpan, so that serving code stays free of the services' plumbing; the
 * API is a no-op until a service registers an SDK.
 */
const TRACER_NAME = '@cityassist/inference';

const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/** Whether a tracer provider is registered; when not, serving skips even building attributes. */
export function tracing(): boolean {
  const provider: TracerProvider & { getDelegate?: () => TracerProvider } = trace.getTracerProvider();
  return provider.getDelegate?.() !== NOOP_PROVIDER;
}

/**
 * Runs `fn` in an active span that ends when its promise settles (an error is recorded on it and
 * rethrown). Callers check `tracing()` first and call `fn` directly when it is false.
 */
export function traced<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  links?: Link[],
): Promise<T> {
  // The provider registered now (a module-level proxy tracer would keep the first one it saw).
  return trace
    .getTracer(TRACER_NAME)
    .startActiveSpan(name, { attributes, ...(links?.length ? { links } : {}) }, async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span.setAttribute('error.type', error.name);
        throw err;
      } finally {
        span.end();
      }
    });
}

/** The attributes that name a model version on every serving span. */
export const modelAttributes = (name: string, version: string): Attributes => ({
  'model.name': name,
  'model.version': version,
});
