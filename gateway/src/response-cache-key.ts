import { createHash, randomUUID } from 'node:crypto';

/** What the response cache hands its key builder (@envelop/response-cache's BuildResponseCacheKeyFunction). */
export interface CacheKeyParams {
  documentString: string;
  variableValues?: Record<string, unknown> | null | undefined;
  operationName?: string | null | undefined;
  sessionId?: string | null | undefined;
}

const isFile = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { arrayBuffer?: unknown }).arrayBuffer === 'function';

/**
 * The response cache's key of a request: the default recipe (SHA-256 of the document, operation,
 * variables with sorted keys, and session), except that an uploaded file stands in as a fresh
 * random token. The default JSON-encodes a file's bytes as an array of numbers, which blocks the
 * gateway's event loop for about half a second per megabyte uploaded (measured on a 10 MiB photo:
 * 5 s); and a request that carries a file must never be answered from a cache anyway.
 */
export function responseCacheKey(params: CacheKeyParams): string {
  const variables = JSON.stringify(params.variableValues ?? {}, (_key, value: unknown) => {
    if (isFile(value)) return `file:${randomUUID()}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const object = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(object)
        .sort()
        .map((k) => [k, object[k]]),
    );
  });
  return createHash('sha256')
    .update([params.documentString, params.operationName ?? '', variables, params.sessionId ?? ''].join('|'))
    .digest('hex');
}
