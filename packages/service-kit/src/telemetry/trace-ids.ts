import { context, trace } from '@opentelemetry/api';

/**
 * The active span's ids for a log line, or undefined outside a traced request: what ties a JSON
 * log line to its trace (the OpenTelemetry log data model's TraceId and SpanId, as hex).
 */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  // An unsampled span has ids but no trace anyone can look up.
  return traceFlags & 1 ? { traceId, spanId } : undefined;
}
