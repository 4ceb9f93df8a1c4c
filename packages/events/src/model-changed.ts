/**
 * Topic the predictions service publishes after a model's versions or statuses change (a
 * promotion, a rollback, new settings), with `{ name }`: every service that serves the model (each
 * predictions replica; reports for the image model) reads the assignment again from the registry.
 */
export const MODEL_CHANGED = 'MODEL_CHANGED';

/** The model an event is about, or undefined for a malformed one. */
export function modelChangedName(payload: unknown): string | undefined {
  const name = (payload as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}

/**
 * Topic every service that serves a model publishes a feature's drift-level change on (a
 * DriftEvent of @cityassist/inference); the predictions subgraph's `driftDetected` subscription
 * delivers it, whichever service's model drifted.
 */
export const DRIFT_DETECTED = 'DRIFT_DETECTED';
