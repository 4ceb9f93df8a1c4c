import { MODEL_CHANGED, modelChangedName, type EventBus } from '@cityassist/events';
import type { Assignment } from '@cityassist/inference';
import type { Logger } from '@cityassist/service-kit';
import { queryPredictions } from '../predictions/predictions-client.ts';

export interface ImageAssignmentOptions {
  /** The predictions subgraph's GraphQL URL (PREDICTIONS_URL), which keeps the model registry. */
  predictionsUrl: string;
  /** The gateway's secret: subgraphs answer only requests that carry it. */
  gatewaySecret: string | undefined;
  /** Seconds between two reads; 0 = only at start, on MODEL_CHANGED and after the bus reconnects. */
  everySeconds: number;
}

const QUERY = '{ modelAssignment(name: "image") { champion canary canaryShare shadow } }';

/** The assignment in a `modelAssignment` answer, or undefined when it is not one. */
export function parseAssignment(body: unknown): Assignment | undefined {
  const a = (body as { data?: { modelAssignment?: Record<string, unknown> | null } } | null)?.data
    ?.modelAssignment;
  if (!a || typeof a['champion'] !== 'string') return undefined;
  const canary = typeof a['canary'] === 'string' && typeof a['canaryShare'] === 'number';
  return {
    champion: a['champion'],
    canary: canary ? { version: a['canary'] as string, share: a['canaryShare'] as number } : undefined,
    shadow: typeof a['shadow'] === 'string' ? a['shadow'] : undefined,
  };
}

/**
 * Follows the image model's assignment in the registry the predictions service keeps (its
 * `modelAssignment`): read at start (retried until it works; meanwhile IMAGE_MODEL_VERSION
 * serves), on every MODEL_CHANGED event for `image`, after the event bus reconnects (events sent
 * while it was away are gone) and every `everySeconds`. An assignment that cannot be applied (a
 * version that fails its checks) leaves the current one serving and is logged. Returns the function
 * that stops it.
 */
export function followImageAssignment(
  apply: (assignment: Assignment) => Promise<void>,
  events: EventBus,
  logger: Logger,
  opts: ImageAssignmentOptions,
): () => void {
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let reading: Promise<void> | undefined;
  let again = false;
  const readOnce = async (): Promise<void> => {
    clearTimeout(retry);
    let assignment: Assignment | undefined;
    try {
      const res = await queryPredictions(opts.predictionsUrl, opts.gatewaySecret, QUERY);
      assignment = parseAssignment(res.body);
      if (!assignment) {
        throw new Error(`predictions answered ${res.status} without the image model's assignment`);
      }
      failures = 0;
    } catch (err) {
      failures += 1;
      if (failures === 3 || failures % 30 === 0) {
        logger.warn(
          { err: err instanceof Error ? err.message : String(err), failures },
          'image model assignment not read; retrying',
        );
      }
      retry = setTimeout(() => void read(), Math.min(1000 * failures, 10_000));
      retry.unref();
      return;
    }
    try {
      await apply(assignment);
    } catch (err) {
      logger.error(
        { err: err instanceof Error ? err.message : String(err), assignment },
        'image model assignment could not be applied; the current one keeps serving',
      );
    }
  };
  // One read at a time; a trigger during a read runs one more afterwards (it may carry news).
  const read = async (): Promise<void> => {
    if (stopped) return;
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        await readOnce();
      } while (again && !stopped);
    })().finally(() => (reading = undefined));
    return reading;
  };
  void read();
  const changes = events.pubSub.subscribe(MODEL_CHANGED);
  void (async () => {
    for await (const payload of changes) if (modelChangedName(payload) === 'image') void read();
  })();
  events.onReconnect(() => void read());
  const timer = opts.everySeconds > 0 ? setInterval(() => void read(), opts.everySeconds * 1000) : undefined;
  timer?.unref();
  return () => {
    stopped = true;
    clearTimeout(retry);
    clearInterval(timer);
    void changes.return?.();
  };
}
