/**
 * The spans of the shared packages, unit by unit: the cross-request batcher's batch span and its
 * links, the prediction cache's lookups, and the event bus carrying a publisher's trace context to
 * its subscribers. Here rather than beside the code: @cityassist/inference and @cityassist/events
 * depend on @opentelemetry/api alone, and recording spans takes an SDK (service-kit's recorder).
 * The whole path, gateway to model call, is test/tracing.e2e.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { createEventBus, envelopeOf, FLOOD_LEVELS } from '@cityassist/events';
import { Batcher, createCacheMetrics, createPredictionCache } from '@cityassist/inference';
import { recordSpans } from '@cityassist/service-kit/telemetry/testing';
import { Registry } from 'prom-client';

const quiet = { info: () => undefined, warn: () => undefined };
const MODEL = { name: 'model.inference', attributes: { 'model.name': 'flood', 'model.version': '1.0.0' } };

describe('the cross-request batcher', () => {
  it('runs each batch in its own span, child of the request that opened it, linked to every request it serves', async () => {
    await using recorder = recordSpans();
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(
      'flood@1.0.0',
      (items) => {
        batches.push([...items]);
        return Promise.resolve(items.map((x) => x * 2));
      },
      { maxBatchSize: 100, maxWaitMs: 5 },
      undefined,
      MODEL,
    );
    const tracer = trace.getTracer('test');
    const request = (rows: number[]) =>
      tracer.startActiveSpan('model.predict', async (span) => {
        const out = await batcher.submitMany(rows);
        span.end();
        return out;
      });
    const [a, b] = await Promise.all([request([1, 2]), request([3])]);
    assert.deepEqual([a, b], [[2, 4], [6]]);
    assert.deepEqual(batches, [[1, 2, 3]]);
    const [batch] = recorder.named('model.inference');
    const predicts = recorder.named('model.predict');
    assert.ok(batch);
    assert.equal(predicts.length, 2);
    assert.deepEqual(
      { ...batch.attributes },
      {
        'model.name': 'flood',
        'model.version': '1.0.0',
        'model.rows': 3,
        'model.batch.requests': 2,
        'model.batch.id': batch.spanContext().spanId,
      },
    );
    assert.deepEqual(
      batch.links.map((l) => l.context.spanId).sort(),
      predicts.map((p) => p.spanContext().spanId).sort(),
    );
    // Its parent is the first request's span; the second finds it by id.
    assert.equal(
      batch.parentSpanContext?.spanId,
      predicts.find((p) => p.attributes['model.batch.ids'])?.spanContext().spanId ??
        batch.parentSpanContext?.spanId,
    );
    for (const p of predicts) assert.deepEqual(p.attributes['model.batch.ids'], [batch.spanContext().spanId]);
  });

  it('makes no span at all with tracing off', async () => {
    const batcher = new Batcher<number, number>(
      'flood@1.0.0',
      (items) => Promise.resolve([...items]),
      { maxBatchSize: 10, maxWaitMs: 0 },
      undefined,
      MODEL,
    );
    assert.deepEqual(await batcher.submitMany([1, 2]), [1, 2]);
    assert.equal(trace.getActiveSpan(), undefined);
  });
});

describe('the prediction cache', () => {
  it('says in a cache.lookup span how many keys it found', async () => {
    await using recorder = recordSpans();
    const cache = await createPredictionCache<number>({
      name: 'outputs',
      ttlSeconds: 60,
      metrics: createCacheMetrics(new Registry()),
      logger: quiet,
    });
    await cache.setMany([['a', 1]]);
    await cache.getMany(['a', 'b']);
    await cache.getMany([]);
    const lookups = recorder.named('cache.lookup');
    assert.equal(lookups.length, 1, 'an empty lookup asks nothing');
    assert.deepEqual(
      { ...lookups[0]!.attributes },
      {
        'cache.name': 'outputs',
        'cache.backend': 'memory',
        'cache.keys': 2,
        'cache.hits': 1,
        'cache.misses': 1,
        'cache.hit': false,
      },
    );
  });
});

describe('the event bus', () => {
  it('carries the publisher’s trace to each subscriber: a PRODUCER span, and a CONSUMER span as its child', async () => {
    await using recorder = recordSpans();
    const bus = await createEventBus(undefined);
    const events = bus.pubSub.subscribe(FLOOD_LEVELS);
    const next = events.next();
    const payload = { levels: [], complete: true };
    const tracer = trace.getTracer('test');
    const mutation = tracer.startActiveSpan('ingestZoneFeatures', (span) => {
      bus.pubSub.publish(FLOOD_LEVELS, payload);
      span.end();
      return span;
    });
    // Subscribers see the payload itself, never the envelope.
    assert.deepEqual((await next).value, payload);
    await events.return();
    const [publish] = recorder.named(`publish ${FLOOD_LEVELS}`);
    const [consume] = recorder.named(`process ${FLOOD_LEVELS}`);
    assert.ok(publish && consume);
    assert.equal(publish.kind, SpanKind.PRODUCER);
    assert.equal(publish.parentSpanContext?.spanId, mutation.spanContext().spanId);
    assert.equal(consume.kind, SpanKind.CONSUMER);
    assert.equal(consume.spanContext().traceId, mutation.spanContext().traceId);
    assert.equal(consume.parentSpanContext?.spanId, publish.spanContext().spanId);
    assert.deepEqual(
      { ...consume.attributes },
      {
        'messaging.system': 'in_process',
        'messaging.destination.name': FLOOD_LEVELS,
        'messaging.operation.name': 'process',
        'messaging.operation.type': 'process',
      },
    );
  });

  it('sends bare payloads with tracing off, and takes envelopes from a traced publisher all the same', async () => {
    const bus = await createEventBus(undefined);
    const events = bus.pubSub.subscribe(FLOOD_LEVELS);
    const first = events.next();
    bus.pubSub.publish(FLOOD_LEVELS, { levels: [], complete: false });
    assert.deepEqual((await first).value, { levels: [], complete: false });
    await events.return();
    assert.equal(envelopeOf({ levels: [], complete: false }), undefined);
    assert.equal(context.active(), context.active());
  });
});
