import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { RequestScopedSampler, samplerOf } from './sampler.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const inRequest = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: TRACE_ID,
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
});
const decide = (sampler: tracing.Sampler, name: string, ctx = ROOT_CONTEXT) =>
  sampler.shouldSample(ctx, TRACE_ID, name, SpanKind.INTERNAL, {}, []).decision;

describe('RequestScopedSampler', () => {
  const sampler = new RequestScopedSampler(samplerOf('parentbased_always_on', 1));

  it('drops the GraphQL spans of no request (a schema parsed at start)', () => {
    assert.equal(decide(sampler, 'graphql.parseSchema'), tracing.SamplingDecision.NOT_RECORD);
    assert.equal(decide(sampler, 'graphql.parse'), tracing.SamplingDecision.NOT_RECORD);
  });

  it('leaves every other decision to the configured sampler', () => {
    assert.equal(decide(sampler, 'graphql.parse', inRequest), tracing.SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(sampler, 'POST /graphql'), tracing.SamplingDecision.RECORD_AND_SAMPLED);
    const off = new RequestScopedSampler(samplerOf('parentbased_always_off', 1));
    assert.equal(decide(off, 'POST /graphql'), tracing.SamplingDecision.NOT_RECORD);
    assert.equal(decide(off, 'POST /graphql', inRequest), tracing.SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(context.active(), ROOT_CONTEXT);
  });
});

describe('samplerOf', () => {
  it('builds what OTEL_TRACES_SAMPLER names, with OTEL_TRACES_SAMPLER_ARG as the ratio', () => {
    assert.equal(decide(samplerOf('always_off', 1), 'x', inRequest), tracing.SamplingDecision.NOT_RECORD);
    assert.equal(decide(samplerOf('always_on', 1), 'x'), tracing.SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(samplerOf('traceidratio', 0), 'x'), tracing.SamplingDecision.NOT_RECORD);
    assert.equal(decide(samplerOf('traceidratio', 1), 'x'), tracing.SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(samplerOf('parentbased_traceidratio', 0), 'x'), tracing.SamplingDecision.NOT_RECORD);
    // A parent the caller sampled is sampled whatever the ratio: the gateway decides for the trace.
    assert.equal(
      decide(samplerOf('parentbased_traceidratio', 0), 'x', inRequest),
      tracing.SamplingDecision.RECORD_AND_SAMPLED,
    );
  });
});
