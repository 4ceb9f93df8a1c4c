/** A stored object as a listing sees it. */
export interface StoredObject {
  key: string;
  lastModified: Date;
}

/**
 * Where report images live: a folder by default, an S3-compatible bucket in production. Keys are
 * `<kind>/<name>` (see objectKey); the database row is the only index of what is stored.
 */
export interface ObjectStore {
  readonly kind: 'folder' | 's3';
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The bytes, or undefined when no object has this key. */
  get(key: string): Promise<Buffer | undefined>;
  /** Removes the object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** Resolves when the store answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What the reports service stores: the safe copy of a photo and the model's heatmap. */
export type ObjectKind = 'photos' | 'heatmaps';

const KEY = /^(photos|heatmaps)\/[A-Za-z0-9_-]{1,100}\.(jpg|png)$/;

/** The key of an object: only letters, digits, `_` and `-` in the name, so no key escapes its folder. */
export function objectKey(kind: ObjectKind, name: string, extension: 'jpg' | 'png'): string {
  const key = `${kind}/${name}.${extension}`;
  assertKey(key);
  return key;
}

export function isObjectKey(key: string): boolean {
  return KEY.test(key);
}

export function assertKey(key: string): void {
  if (!isObjectKey(key)) throw new Error(`not an object key of this service: ${JSON.stringify(key)}`);
}
