import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { tracingEnabled, withSpan } from './span.ts';
import { recordSpans } from './testing.ts';

describe('withSpan', () => {
  it('with tracing off runs the function on a span that records nothing, synchronously', () => {
    assert.equal(tracingEnabled(), false);
    let seen: boolean | undefined;
    const value = withSpan('feature_store.read', { 'db.collection.name': 'zone_features' }, (span) => {
      seen = span.isRecording();
      span.setAttribute('rows', 3);
      return 42;
    });
    assert.equal(value, 42);
    assert.equal(seen, false);
  });

  it('records a span with its attributes, ended when the promise settles, parent of the spans inside', async () => {
    await using recorder = recordSpans();
    assert.equal(tracingEnabled(), true);
    const value = await withSpan('etl.step', { 'etl.step': 'load' }, async (span) => {
      span.setAttribute('rows', 470);
      await new Promise((r) => setTimeout(r, 5));
      return withSpan('feature_store.write', undefined, () => Promise.resolve('done'), {
        kind: SpanKind.CLIENT,
      });
    });
    assert.equal(value, 'done');
    const [outer] = recorder.named('etl.step');
    const [inner] = recorder.named('feature_store.write');
    assert.ok(outer && inner);
    assert.deepEqual(outer.attributes, { 'etl.step': 'load', rows: 470 });
    assert.equal(inner.parentSpanContext?.spanId, outer.spanContext().spanId);
    assert.equal(inner.kind, SpanKind.CLIENT);
    assert.ok(outer.duration[1] >= 4_000_000 || outer.duration[0] > 0, 'ends after the promise');
  });

  it('EXPECTED FAILURE - a rejection is recorded on the span (status ERROR, error.type, exception event) and passed on', async () => {
    await using recorder = recordSpans();
    const boom = new RangeError('no such zone');
    await assert.rejects(
      withSpan('feature_store.read', {}, () => Promise.reject(boom)),
      (err) => err === boom,
    );
    const [span] = recorder.named('feature_store.read');
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
    assert.equal(span?.status.message, 'no such zone');
    assert.equal(span?.attributes['error.type'], 'RangeError');
    assert.equal(span?.events[0]?.name, 'exception');
  });

  it('EXPECTED FAILURE - a synchronous throw is recorded the same way and rethrown', async () => {
    await using recorder = recordSpans();
    assert.throws(
      () =>
        withSpan('etl.validate', {}, () => {
          throw new TypeError('bad row');
        }),
      TypeError,
    );
    assert.equal(recorder.named('etl.validate')[0]?.status.code, SpanStatusCode.ERROR);
  });

  it('is off again once the recorder is disposed (nothing leaks into the next test)', () => {
    assert.equal(tracingEnabled(), false);
  });
});
