import { createHash } from 'node:crypto';

/**
 * `work`, or a rejection with `message` once `ms` have passed (0 = no deadline). The work itself is
 * not cancelled (an ONNX run cannot be); the caller just stops waiting and falls back. Work that
 * held the event loop past the deadline (an inline ONNX run is synchronous native code, so no timer
 * can fire during it) is refused when it returns: an answer later than the deadline is never used.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  if (ms <= 0) return work;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  const checked = work.then((value) => {
    if (performance.now() - started > ms) throw new Error(message);
    return value;
  });
  return Promise.race([checked, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `<prefix>-` and 16 hex of SHA-256 over a model version and the exact float32 input row: the same
 * model and inputs always give the same id, so it keys caches and names predictions.
 */
export function inputRowId(prefix: string, version: string, inputs: Float32Array): string {
  const hash = createHash('sha256')
    .update(version)
    .update(new Uint8Array(inputs.buffer, inputs.byteOffset, inputs.byteLength));
  return `${prefix}-${hash.digest('hex').slice(0, 16)}`;
}
