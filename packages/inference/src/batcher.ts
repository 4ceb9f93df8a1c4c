import DataLoader from 'dataloader';
import { Counter, Histogram, type Registry } from 'prom-client';

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

/**
 * A process-wide dynamic batcher: items submitted by concurrent requests within `maxWaitMs` of each
 * other go to `run` together, up to `maxBatchSize` per call. Built on DataLoader's scheduler with its
 * cache off, since each item is a distinct piece of work, not a key to memoise. `run` must return
 * one result (or Error) per item, in order; an Error rejects only its own item.
 */
export class Batcher<I, O> {
  private readonly loader: DataLoader<I, O, number>;
  private nextId = 0;

  constructor(
    readonly name: string,
    run: (items: readonly I[]) => Promise<readonly (O | Error)[]>,
    options: BatcherOptions,
    metrics?: BatcherMetrics,
  ) {
    if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1) {
      throw new Error(`batcher ${name}: maxBatchSize must be a positive integer`);
    }
    const wait = options.maxWaitMs;
    this.loader = new DataLoader<I, O, number>(
      async (items) => {
        metrics?.batches.inc({ model: name });
        metrics?.size.observe({ model: name }, items.length);
        return run(items);
      },
      {
        cache: false,
        maxBatchSize: options.maxBatchSize,
        // Each submit has its own key, so DataLoader never merges two requests' items by identity.
        cacheKeyFn: () => this.nextId++,
        ...(wait > 0 ? { batchScheduleFn: (dispatch: () => void) => setTimeout(dispatch, wait) } : {}),
      },
    );
  }

  submit(item: I): Promise<O> {
    return this.loader.load(item);
  }

  submitMany(items: readonly I[]): Promise<(O | Error)[]> {
    return this.loader.loadMany(items);
  }
}
