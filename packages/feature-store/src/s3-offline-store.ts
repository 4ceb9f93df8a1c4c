import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { OfflineStore, StagedVersion } from './offline-store.ts';

/** The object that makes a version readable: written last, after every Parquet object. */
export const MANIFEST_NAME = '_manifest.json';

export interface ManifestEntry {
  /** Relative to the version's prefix, e.g. `date=2026-12-01/data_0.parquet`. */
  path: string;
  sha256: string;
  bytes: number;
}

export interface Manifest {
  format: 1;
  view: string;
  version: string;
  files: ManifestEntry[];
}

export type OfflineStoreErrorCode =
  | 'FEATURE_STORE_NO_MANIFEST'
  | 'FEATURE_STORE_CORRUPT'
  | 'FEATURE_STORE_BAD_URI'
  | 'FEATURE_STORE_UNREACHABLE';

/** A read the offline store refused: the code is stable (docs/data-platform.md, Errors). */
export class OfflineStoreError extends Error {
  override readonly name = 'OfflineStoreError';
  constructor(
    readonly code: OfflineStoreErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface S3OfflineStoreOptions {
  /** `s3://bucket/prefix` (the prefix may be empty). */
  uri: string;
  /** Unset: AWS itself. */
  endpoint?: string | undefined;
  region: string;
  /** Unset: the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  forcePathStyle: boolean;
  /**
   * Local folder for staging a load and for the verified copies readers get: DuckDB reads local
   * files. Versions are immutable, so a copy once verified stays valid.
   */
  cacheDir: string;
}

export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) throw new OfflineStoreError('FEATURE_STORE_BAD_URI', `${uri}: expected s3://bucket[/prefix]`);
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((p) => p === '..' || p === '.')) {
    throw new OfflineStoreError('FEATURE_STORE_BAD_URI', `${uri}: the prefix may not hold . or ..`);
  }
  return { bucket: match[1]!, prefix };
}

/**
 * The offline store in an S3 bucket: `s3://<bucket>/<prefix>/<view>/version=<v>/date=…/*.parquet`
 * plus `_manifest.json`. S3 has no rename, so atomicity comes from the manifest: a version's
 * Parquet objects are uploaded first, the manifest (every file with its SHA-256 and size) last,
 * and a reader refuses a version without one. A version no catalog row names is never listed, so
 * a crash anywhere before the catalog commit leaves objects nobody reads, which `sweep` removes.
 */
export class S3OfflineStore implements OfflineStore {
  readonly root: string;
  readonly bucket: string;
  readonly prefix: string;
  protected readonly client: S3Client;
  private readonly cacheDir: string;

  constructor(options: S3OfflineStoreOptions) {
    const { bucket, prefix } = parseS3Uri(options.uri);
    this.bucket = bucket;
    this.prefix = prefix;
    this.root = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    this.cacheDir = path.resolve(options.cacheDir);
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      forcePathStyle: options.forcePathStyle,
      // As the reports store: S3-compatible servers (MinIO, Ceph, s3rver) often reject the newer
      // SDKs' default CRC checksums; integrity is ours anyway (the manifest's SHA-256).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
  }

  /** The version's key prefix, ending in `/`. */
  keyOf(view: string, version: string): string {
    return `${this.prefix ? `${this.prefix}/` : ''}${view}/version=${version}/`;
  }

  async stage(view: string, version: string): Promise<StagedVersion> {
    const staging = path.join(
      this.cacheDir,
      '.staging',
      `${view}-${version}-${randomBytes(4).toString('hex')}`,
    );
    await mkdir(staging, { recursive: true });
    const prefix = this.keyOf(view, version);
    const uploaded: string[] = [];
    let started = false;
    return {
      dir: staging,
      commit: async () => {
        started = true;
        const files: ManifestEntry[] = [];
        for (const entry of await readdir(staging, { withFileTypes: true, recursive: true })) {
          if (!entry.isFile()) continue;
          const file = path.join(entry.parentPath, entry.name);
          const rel = path.relative(staging, file).split(path.sep).join('/');
          const { size } = await stat(file);
          const sha256 = await sha256Of(file);
          const key = `${prefix}${rel}`;
          uploaded.push(key);
          await this.client.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key: key,
              // Streamed from disk with its length: a big partition never sits in memory.
              Body: createReadStream(file),
              ContentLength: size,
              ContentType: 'application/vnd.apache.parquet',
              Metadata: { sha256 },
            }),
          );
          files.push({ path: rel, sha256, bytes: size });
        }
        files.sort((a, b) => a.path.localeCompare(b.path));
        uploaded.push(`${prefix}${MANIFEST_NAME}`);
        await this.putManifest(`${prefix}${MANIFEST_NAME}`, { format: 1, view, version, files });
        await rm(staging, { recursive: true, force: true });
        return `s3://${this.bucket}/${prefix.slice(0, -1)}`;
      },
      discard: async () => {
        await rm(staging, { recursive: true, force: true });
        if (started) await this.deleteKeys(uploaded);
      },
    };
  }

  /** The last write of a load; its own method so a test can make it fail. */
  protected async putManifest(key: string, manifest: Manifest): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: `${JSON.stringify(manifest, null, 1)}\n`,
        ContentType: 'application/json',
      }),
    );
  }

  /**
   * The version's Parquet files as local paths: each object downloaded into the cache (streamed,
   * hashed on the way) and checked against the manifest, or the cached copy verified earlier.
   */
  async files(offlineUri: string): Promise<string[]> {
    const prefix = this.prefixOf(offlineUri);
    const manifest = await this.manifest(prefix);
    const local = path.join(this.cacheDir, this.bucket, ...prefix.split('/').filter(Boolean));
    const out: string[] = [];
    for (const entry of manifest.files) {
      if (!/^[\w=.-]+(\/[\w=.-]+)*$/.test(entry.path) || entry.path.split('/').includes('..')) {
        throw new OfflineStoreError(
          'FEATURE_STORE_CORRUPT',
          `${offlineUri}: bad path in manifest: ${entry.path}`,
        );
      }
      const file = path.join(local, ...entry.path.split('/'));
      const verified = `${file}.sha256-${entry.sha256}`;
      const cached = await stat(file).catch(() => undefined);
      if (!cached || cached.size !== entry.bytes || !(await stat(verified).catch(() => undefined))) {
        await this.download(`${prefix}${entry.path}`, file, entry, offlineUri);
        // An empty marker named after the hash: a later read trusts the copy without hashing it again.
        await writeFile(verified, '');
      }
      if (entry.path.endsWith('.parquet')) out.push(file);
    }
    return out.sort();
  }

  /**
   * Removes what interrupted loads left: version prefixes no catalog row names (`known` holds the
   * committed URIs) whose newest object is older than `olderThanMs` (a younger one may be a load
   * still uploading), and local staging folders as old.
   */
  async sweep(known: ReadonlySet<string>, olderThanMs = 3_600_000): Promise<string[]> {
    const byVersion = new Map<string, { keys: string[]; newest: number }>();
    const base = this.prefix ? `${this.prefix}/` : '';
    for await (const o of this.list(base)) {
      const rest = o.key.slice(base.length);
      const match = /^([^/]+\/version=[^/]+)\//.exec(rest);
      if (!match) continue;
      const uri = `s3://${this.bucket}/${base}${match[1]}`;
      const group = byVersion.get(uri) ?? { keys: [], newest: 0 };
      group.keys.push(o.key);
      group.newest = Math.max(group.newest, o.lastModified.getTime());
      byVersion.set(uri, group);
    }
    const removed: string[] = [];
    for (const [uri, group] of byVersion) {
      if (known.has(uri) || Date.now() - group.newest <= olderThanMs) continue;
      await this.deleteKeys(group.keys);
      removed.push(uri);
    }
    const staging = path.join(this.cacheDir, '.staging');
    for (const name of await readdir(staging).catch(() => [])) {
      const dir = path.join(staging, name);
      if (Date.now() - (await stat(dir)).mtimeMs > olderThanMs) {
        await rm(dir, { recursive: true, force: true });
        removed.push(dir);
      }
    }
    return removed;
  }

  close(): void {
    this.client.destroy();
  }

  private prefixOf(offlineUri: string): string {
    const { bucket, prefix } = parseS3Uri(offlineUri);
    if (bucket !== this.bucket || (this.prefix && !prefix.startsWith(`${this.prefix}/`))) {
      throw new OfflineStoreError('FEATURE_STORE_BAD_URI', `${offlineUri} is not in ${this.root}`);
    }
    return `${prefix}/`;
  }

  private async manifest(prefix: string): Promise<Manifest> {
    const key = `${prefix}${MANIFEST_NAME}`;
    let text: string;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = await out.Body!.transformToString();
    } catch (err) {
      if (
        err instanceof NoSuchKey ||
        (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404)
      ) {
        throw new OfflineStoreError(
          'FEATURE_STORE_NO_MANIFEST',
          `s3://${this.bucket}/${key} is missing: the version was never completed`,
          { cause: err },
        );
      }
      throw new OfflineStoreError(
        'FEATURE_STORE_UNREACHABLE',
        `s3://${this.bucket}/${key}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    let manifest: Manifest;
    try {
      manifest = JSON.parse(text) as Manifest;
    } catch (err) {
      throw new OfflineStoreError('FEATURE_STORE_CORRUPT', `s3://${this.bucket}/${key} is not JSON`, {
        cause: err,
      });
    }
    if (manifest.format !== 1 || !Array.isArray(manifest.files)) {
      throw new OfflineStoreError('FEATURE_STORE_CORRUPT', `s3://${this.bucket}/${key}: not a manifest`);
    }
    return manifest;
  }

  /** Streams an object to `file`, hashing it; a hash or size other than the manifest's is refused. */
  private async download(key: string, file: string, entry: ManifestEntry, offlineUri: string): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true });
    const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      let body: Readable;
      try {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        body = out.Body as Readable;
      } catch (err) {
        if (
          err instanceof NoSuchKey ||
          (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404)
        ) {
          throw new OfflineStoreError('FEATURE_STORE_CORRUPT', `${offlineUri}: ${entry.path} is missing`, {
            cause: err,
          });
        }
        throw new OfflineStoreError(
          'FEATURE_STORE_UNREACHABLE',
          `s3://${this.bucket}/${key}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      await pipeline(
        body,
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            bytes += chunk.length;
            done(null, chunk);
          },
        }),
        createWriteStream(partial),
      );
      const sha256 = hash.digest('hex');
      if (sha256 !== entry.sha256 || bytes !== entry.bytes) {
        throw new OfflineStoreError(
          'FEATURE_STORE_CORRUPT',
          `${offlineUri}: ${entry.path} does not match its manifest (sha256 ${sha256}, ${bytes} bytes; expected ${entry.sha256}, ${entry.bytes} bytes)`,
        );
      }
      await rename(partial, file);
    } finally {
      await rm(partial, { force: true });
    }
  }

  private async *list(prefix: string): AsyncIterable<{ key: string; lastModified: Date }> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key && o.LastModified) yield { key: o.Key, lastModified: o.LastModified };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async deleteKeys(keys: readonly string[]): Promise<void> {
    // The manifest first: once it is gone no reader can take the version for complete. One key at
    // a time: a version holds tens of objects, and DeleteObjects needs a Content-MD5 that not every
    // S3-compatible server accepts in the SDK's newer checksum forms.
    const ordered = [...keys].sort(
      (a, b) => Number(b.endsWith(MANIFEST_NAME)) - Number(a.endsWith(MANIFEST_NAME)),
    );
    for (const Key of ordered) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    }
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
