import { trace, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import type { SamplerName } from './settings.ts';

/** The sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name, as the SDK would build it. */
export function samplerOf(name: SamplerName, ratio: number): tracing.Sampler {
  const ratioSampler = () => new tracing.TraceIdRatioBasedSampler(ratio);
  switch (name) {
    case 'always_on':
      return new tracing.AlwaysOnSampler();
    case 'always_off':
      return new tracing.AlwaysOffSampler();
    case 'traceidratio':
      return ratioSampler();
    case 'parentbased_always_off':
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new tracing.ParentBasedSampler({ root: ratioSampler() });
    case 'parentbased_always_on':
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOnSampler() });
  }
}

/**
 * Drops the GraphQL instrumentation's spans that belong to no request: building a schema parses
 * and validates SDL at start (`graphql.parseSchema`, `graphql.parse`, `graphql.validate`), about
 * twenty root traces per service start that say nothing about any request. pg, ioredis and
 * DataLoader have `requireParentSpan` for this; the GraphQL instrumentation has no such option.
 * Every other span is the configured sampler's to decide.
 */
export class RequestScopedSampler implements tracing.Sampler {
  constructor(private readonly sampler: tracing.Sampler) {}

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): tracing.SamplingResult {
    if (spanName.startsWith('graphql.') && !trace.getSpanContext(context)) {
      return { decision: tracing.SamplingDecision.NOT_RECORD };
    }
    return this.sampler.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `RequestScoped{${this.sampler.toString()}}`;
  }
}
