import {
  context,
  propagation,
  ProxyTracerProvider,
  SpanKind,
  trace,
  type Attributes,
  type TracerProvider,
} from '@opentelemetry/api';
import type { PubSubEventTarget } from '@graphql-yoga/subscription';
import type { Topics } from './index.ts';

/**
 * What travels on the bus when the publisher is traced: the payload, and the W3C trace context
 * (`traceparent`, `tracestate`) of the span that published it, so whoever receives the event, in
 * this process or across Redis in another service, continues the publisher's trace. Untraced
 * publishers send the bare payload, as before; subscribers accept both.
 */
export interface EventEnvelope {
  envelope: typeof ENVELOPE;
  payload: unknown;
  traceparent: string;
  tracestate?: string;
}

/** Marks an envelope: no payload CityAssist publishes has this key with this value. */
export const ENVELOPE = 'cityassist.event/1';

/** The envelope, when `detail` is one, else undefined (a bare payload from an untraced publisher). */
export function envelopeOf(detail: unknown): EventEnvelope | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined;
  const e = detail as Partial<EventEnvelope>;
  return e.envelope === ENVELOPE && typeof e.traceparent === 'string' ? (e as EventEnvelope) : undefined;
}

// @opentelemetry/api only: this package does not depend on the services' plumbing (service-kit).
// Asked of the provider registered at the time (a module-level proxy keeps the first one it saw).
const tracer = () => trace.getTracer('@cityassist/events');
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();
const tracing = () => {
  const provider: TracerProvider & { getDelegate?: () => TracerProvider } = trace.getTracerProvider();
  return provider.getDelegate?.() !== NOOP_PROVIDER;
};

type Listener = (event: CustomEvent) => void;
type ListenerArg = Listener | { handleEvent: Listener };

/** The event target as this wrapper uses it (PubSubEventTarget's methods are generic per topic). */
interface Target {
  dispatchEvent(event: CustomEvent): boolean;
  addEventListener(topic: string, listener: ListenerArg | null): void;
  removeEventListener(topic: string, listener: ListenerArg | null): void;
}

/**
 * The bus's event target with trace context: with tracing on, `dispatchEvent` runs in a PRODUCER
 * span `publish <topic>` and sends an envelope carrying that span's context; each listener gets
 * the bare payload back, inside a CONSUMER span `process <topic>` that is the producer span's
 * child (the messaging semantic conventions' names and attributes). The consumer span covers the
 * delivery to this subscriber, not what the subscriber later does with the event: subscribers read
 * events from an async iterator, whose consumer runs in a context of its own.
 */
export function withTraceContext(
  eventTarget: PubSubEventTarget<Topics>,
  system: 'redis' | 'in_process',
): PubSubEventTarget<Topics> {
  const target = eventTarget as unknown as Target;
  // By topic, then listener: what removeEventListener must take off the target.
  const wrapped = new Map<string, Map<ListenerArg, Listener>>();
  const attributes = (topic: string, operation: 'publish' | 'process'): Attributes => ({
    'messaging.system': system,
    'messaging.destination.name': topic,
    'messaging.operation.name': operation,
    'messaging.operation.type': operation === 'publish' ? 'send' : 'process',
  });
  // `topic:id` subscriptions: the span's name keeps the topic only, so names stay few.
  const nameOf = (topic: string) => topic.split(':')[0]!;
  const traced: Target = {
    dispatchEvent(event) {
      if (!tracing()) return target.dispatchEvent(event);
      const topic = event.type;
      return tracer().startActiveSpan(
        `publish ${nameOf(topic)}`,
        { kind: SpanKind.PRODUCER, attributes: attributes(topic, 'publish') },
        (span) => {
          try {
            const carrier: { traceparent?: string; tracestate?: string } = {};
            propagation.inject(context.active(), carrier);
            if (!carrier.traceparent) return target.dispatchEvent(event);
            const envelope: EventEnvelope = {
              envelope: ENVELOPE,
              payload: event.detail,
              traceparent: carrier.traceparent,
              ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
            };
            return target.dispatchEvent(new CustomEvent(topic, { detail: envelope }));
          } finally {
            span.end();
          }
        },
      );
    },
    addEventListener(topic, listener) {
      if (listener == null) return;
      const deliver: Listener =
        typeof listener === 'function' ? (e) => listener(e) : (e) => listener.handleEvent(e);
      const receive: Listener = (event) => {
        const envelope = envelopeOf(event.detail);
        if (!envelope) return deliver(event);
        const bare = new CustomEvent(event.type, { detail: envelope.payload });
        if (!tracing()) return deliver(bare);
        const parent = propagation.extract(context.active(), envelope);
        tracer().startActiveSpan(
          `process ${nameOf(event.type)}`,
          { kind: SpanKind.CONSUMER, attributes: attributes(event.type, 'process') },
          parent,
          (span) => {
            try {
              deliver(bare);
            } finally {
              span.end();
            }
          },
        );
      };
      const byListener = wrapped.get(topic) ?? new Map<ListenerArg, Listener>();
      byListener.set(listener, receive);
      wrapped.set(topic, byListener);
      target.addEventListener(topic, receive);
    },
    removeEventListener(topic, listener) {
      const byListener = wrapped.get(topic);
      if (listener == null || !byListener) return;
      const receive = byListener.get(listener);
      if (!receive) return;
      byListener.delete(listener);
      if (byListener.size === 0) wrapped.delete(topic);
      target.removeEventListener(topic, receive);
    },
  };
  return traced;
}
