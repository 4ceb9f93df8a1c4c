import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { activeTraceIds } from './trace-ids.ts';
import { recordSpans } from './testing.ts';

describe('activeTraceIds (the traceId and spanId of a log line)', () => {
  it('are those of the active span inside a traced request, and absent outside one', async () => {
    assert.equal(activeTraceIds(), undefined);
    await using recorder = recordSpans();
    assert.equal(activeTraceIds(), undefined);
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('request', async (span) => {
      await Promise.resolve();
      assert.deepEqual(activeTraceIds(), {
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
      });
      span.end();
    });
    assert.equal(recorder.named('request').length, 1);
  });

  it('are absent for a trace that was not sampled (no backend holds it)', async () => {
    await using recorder = recordSpans();
    const unsampled = trace.wrapSpanContext({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.NONE,
    });
    context.with(trace.setSpan(context.active(), unsampled), () => assert.equal(activeTraceIds(), undefined));
    assert.deepEqual(recorder.spans(), []);
  });
});
