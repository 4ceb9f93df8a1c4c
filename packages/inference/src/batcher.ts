import { trace, type Attributes, type Link, type Span } from '@opentelemetry/api';
import DataLoader from 'dataloader';
import { Counter, Histogram, type Registry } from 'prom-client';
import { traced, tracing } from './tracing.ts';

export interface BatcherOptions {
  /** Most items in one model call (Triton's `max_batch_size`). */
  maxBatchSize: number;
  /**
   * How long the first item of a batch waits for others, in ms (Triton's
   * `max_queue_delay_microseconds`). 0 = until the current tick's work is queued (no timer).
   */
  maxWaitMs: number;
}

export interface BatcherMetrics {
  batches: Counter<'model'>;
  size: Histogram<'model'>;
}

export function createBatcherMetrics(registry: Registry): BatcherMetrics {
  return {
    batches: new Counter({
      name: 'batcher_batches_total',
      help: 'Batches the cross-request batcher sent to a model',
      labelNames: ['model'],
      registers: [registry],
    }),
    size: new Histogram({
      name: 'batcher_batch_size',
      help: 'Items per batch sent by the cross-request batcher',
      labelNames: ['model'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers: [registry],
    }),
  };
}

/** The span each batch runs in: its name, and the attributes that say what runs (model, backend). */
export interface BatchSpan {
  name: string;
  attributes: Attributes;
}

/** One submitted item and the span it was submitted from (undefined when tracing is off). */
interface Entry<I> {
  item: I;
  from: Span | undefined;
}

/**
 * A process-wide dynamic batcher: items submitted by concurrent requests within `maxWaitMs` of each
 * other go to `run` together, up to `maxBatchSize` per call. Built on DataLoader's scheduler with its
 * cache off, since each item is a distinct piece of work, not a key to memoise. `run` must return
 * one result (or Error) per item, in order; an Error rejects only its own item.
 *
 * With tracing on, each batch runs in a span of its own (`span`): one batch serves several
 * requests, so it is the child of the request that opened it and links to the span of every
 * request whose items it carries, each of which gets the batch's id (`model.batch.ids`; the id is
 * the batch span's span id) to find it by.
 */
export class Batcher<I, O> {
  private readonly loader: DataLoader<Entry<I>, O, number>;
  private nextId = 0;

  constructor(
    readonly name: string,
    run: (items: readonly I[]) => Promise<readonly (O | Error)[]>,
    options: BatcherOptions,
    metrics?: BatcherMetrics,
    span?: BatchSpan,
  ) {
    if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1) {
      throw new Error(`batcher ${name}: maxBatchSize must be a positive integer`);
    }
    const wait = options.maxWaitMs;
    this.loader = new DataLoader<Entry<I>, O, number>(
      async (entries) => {
        metrics?.batches.inc({ model: name });
        metrics?.size.observe({ model: name }, entries.length);
        const items = entries.map((e) => e.item);
        if (!span || !tracing()) return run(items);
        const from = [...new Set(entries.flatMap((e) => (e.from ? [e.from] : [])))];
        const links: Link[] = from.map((s) => ({ context: s.spanContext() }));
        return traced(
          span.name,
          { ...span.attributes, 'model.rows': items.length, 'model.batch.requests': from.length },
          (batch) => {
            const id = batch.spanContext().spanId;
            batch.setAttribute('model.batch.id', id);
            for (const s of from) addBatchId(s, id);
            return run(items);
          },
          links,
        );
      },
      {
        // Names the DataLoader instrumentation's batch span (`dataloader.batch flood@1.0.0`).
        name,
        cache: false,
        maxBatchSize: options.maxBatchSize,
        // Each submit has its own key, so DataLoader never merges two requests' items by identity.
        cacheKeyFn: () => this.nextId++,
        ...(wait > 0 ? { batchScheduleFn: (dispatch: () => void) => setTimeout(dispatch, wait) } : {}),
      },
    );
  }

  submit(item: I): Promise<O> {
    return this.loader.load({ item, from: tracing() ? activeSpan() : undefined });
  }

  submitMany(items: readonly I[]): Promise<(O | Error)[]> {
    const from = tracing() ? activeSpan() : undefined;
    return this.loader.loadMany(items.map((item) => ({ item, from })));
  }
}

const activeSpan = (): Span | undefined => trace.getActiveSpan();

/** The batches a request's span was served by, as one attribute (a large request may need several). */
const batchIds = new WeakMap<Span, string[]>();

function addBatchId(span: Span, id: string): void {
  const ids = batchIds.get(span) ?? [];
  ids.push(id);
  batchIds.set(span, ids);
  span.setAttribute('model.batch.ids', ids);
}
