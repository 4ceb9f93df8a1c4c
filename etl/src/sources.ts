import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { EtlError } from './errors.ts';
import type { LocalSource } from './pipeline.ts';

export interface S3Settings {
  endpoint?: string | undefined;
  region: string;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  forcePathStyle: boolean;
}

export interface SourceOptions {
  /** Where objects fetched from S3 are kept while the run reads them. */
  tempDir: string;
  s3?: S3Settings | undefined;
}

/** Streams a file through SHA-256: constant memory whatever its size. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Resolves a source URI to a local file with its hash: a path as is, `s3://bucket/key` fetched
 * (streamed) into the temp folder first. The hash is of the bytes read, so a redelivered file is
 * recognised whatever its name.
 */
export async function resolveSource(uri: string, options: SourceOptions): Promise<LocalSource> {
  let file = uri;
  if (uri.startsWith('s3://')) {
    file = await fetchS3(uri, options);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new EtlError('ETL_SOURCE_UNREADABLE', `${uri}: only local paths and s3:// URIs are read`);
  }
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    throw new EtlError(
      'ETL_SOURCE_UNREADABLE',
      `${uri}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      {
        cause: err,
      },
    );
  }
  if (!info.isFile()) throw new EtlError('ETL_SOURCE_UNREADABLE', `${uri}: not a file`);
  return { uri, path: path.resolve(file), sha256: await sha256File(file), bytes: info.size };
}

async function fetchS3(uri: string, { tempDir, s3 }: SourceOptions): Promise<string> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new EtlError('ETL_SOURCE_UNREADABLE', `${uri}: expected s3://bucket/key`);
  const [, bucket, key] = match;
  const client = new S3Client({
    region: s3?.region ?? 'us-east-1',
    forcePathStyle: s3?.forcePathStyle ?? true,
    ...(s3?.endpoint ? { endpoint: s3.endpoint } : {}),
    ...(s3?.accessKeyId && s3.secretAccessKey
      ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } }
      : {}),
  });
  await mkdir(tempDir, { recursive: true });
  const file = path.join(tempDir, `${randomBytes(6).toString('hex')}-${path.basename(key!)}`);
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    await pipeline(object.Body as Readable, createWriteStream(file));
  } catch (err) {
    throw new EtlError('ETL_SOURCE_UNREADABLE', `${uri}: ${(err as Error).name}: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    client.destroy();
  }
  return file;
}

/** Whether a text delivery ends with a newline: one that doesn't was cut off in transfer. */
export async function endsWithNewline(file: string, bytes: number): Promise<boolean> {
  if (bytes === 0) return true;
  const stream = createReadStream(file, { start: bytes - 1, end: bytes - 1 });
  for await (const chunk of stream) return (chunk as Buffer)[0] === 0x0a;
  return false;
}
