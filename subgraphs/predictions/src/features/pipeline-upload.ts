import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@cityassist/service-kit';
import type { RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import { processRequest, type FileUpload } from 'graphql-upload-minimal';
import { errors } from '../errors.ts';

export interface PipelineUploadLimits {
  /** Largest delivery, in bytes (ETL_UPLOAD_MAX_BYTES). */
  maxBytes: number;
}

/** Largest `operations` or `map` field of a multipart request: the document and variables. */
const MAX_FIELD_BYTES = 64 * 1024;

/**
 * graphql-upload-minimal's HttpErrors (413 for too many files or a file over the limit, 400 for a
 * malformed form) as this service's codes.
 */
export function pipelineUploadErrorOf(err: unknown, limits: PipelineUploadLimits): GraphQLError {
  if (err instanceof GraphQLError) return err;
  const status = (err as { status?: unknown }).status;
  const message = err instanceof Error ? err.message : String(err);
  if (status === 413 && /max file uploads exceeded/.test(message)) {
    return errors.BAD_USER_INPUT('one file per runPipeline request', { argument: 'file' });
  }
  if (status === 413) return tooLarge(limits);
  return errors.BAD_USER_INPUT(`malformed multipart request: ${message}`, { argument: 'file' });
}

const tooLarge = (limits: PipelineUploadLimits) =>
  errors.UPLOAD_TOO_LARGE(`a delivery may be at most ${limits.maxBytes} bytes (ETL_UPLOAD_MAX_BYTES)`, {
    limit: limits.maxBytes,
  });

function refuse(res: Response, error: GraphQLError): void {
  const code = error.extensions['code'] as keyof typeof errors.catalogue;
  res.status(errors.catalogue[code]?.status ?? 400).json({
    errors: [{ message: error.message, extensions: error.extensions }],
  });
}

/**
 * Parses GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec)
 * for `runPipeline(file:)`. graphql-upload-minimal hands the resolver the file as a stream straight
 * off the socket (nothing buffered, nothing on disk until the resolver writes it); busboy stops a
 * file at `maxBytes`. A body declared far over the limit is refused before it is read.
 */
export function pipelineUploadMiddleware(limits: PipelineUploadLimits, logger: Logger): RequestHandler {
  const largestBody = limits.maxBytes + 2 * MAX_FIELD_BYTES + 64 * 1024;
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > largestBody) {
      return refuse(res, tooLarge(limits));
    }
    // An answer sent before the file was read (validation failed, say) must not leave the rest of
    // the body stuck on the keep-alive connection.
    res.once('finish', () => {
      if (!req.readableEnded) {
        req.unpipe();
        req.resume();
      }
    });
    processRequest(req, res, {
      maxFieldSize: MAX_FIELD_BYTES,
      maxFileSize: limits.maxBytes,
      maxFiles: 1,
    }).then(
      (body) => {
        req.body = body;
        next();
      },
      (err: unknown) => {
        if ((err as { status?: unknown }).status === 499 || res.headersSent) {
          logger.info('pipeline upload abandoned by the client');
          return;
        }
        refuse(res, pipelineUploadErrorOf(err, limits));
      },
    );
  };
}

/** An uploaded delivery on disk, removed by `[Symbol.asyncDispose]` once its run ended. */
export interface SavedUpload extends AsyncDisposable {
  path: string;
  /** The name the client gave, sanitised: what lineage records (`upload:<pipeline>/<name>`). */
  name: string;
  bytes: number;
}

/** A client's file name reduced to a safe base name that keeps its extension (formats go by it). */
export function safeUploadName(filename: string | undefined): string {
  const base = path.basename((filename ?? '').replaceAll('\\', '/'));
  const clean = base.replace(/[^\w.-]+/g, '_').replace(/^[._]+/, '');
  return clean.slice(-120) || 'upload';
}

/**
 * Streams an upload to a file of its own under `dir`, never holding it in memory, at most
 * `limits.maxBytes` (a longer one is refused, not cut: a cut delivery would load as truncated).
 * An empty file is refused too. Whatever fails, the partial file is removed.
 */
export async function saveUpload(
  upload: Promise<FileUpload>,
  dir: string,
  limits: PipelineUploadLimits,
): Promise<SavedUpload> {
  let file: string | undefined;
  try {
    const received = await upload;
    const name = safeUploadName(received.filename);
    await mkdir(dir, { recursive: true });
    file = path.join(dir, `${randomBytes(8).toString('hex')}-${name}`);
    const stream = received.createReadStream() as NodeJS.ReadableStream & { truncated?: boolean };
    let truncated = false;
    stream.once('limit', () => {
      truncated = true;
    });
    let bytes = 0;
    await pipeline(
      stream,
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          // Beyond the limit nothing more is written; busboy ends the stream at it anyway.
          if (bytes > limits.maxBytes) return done(tooLarge(limits));
          done(null, chunk);
        },
      }),
      createWriteStream(file, { flags: 'wx' }),
    );
    if (truncated || stream.truncated) throw tooLarge(limits);
    if (bytes === 0) throw errors.UPLOAD_EMPTY('the uploaded delivery is empty', { argument: 'file' });
    const saved = file;
    return {
      path: saved,
      name,
      bytes,
      [Symbol.asyncDispose]: () => rm(saved, { force: true }),
    };
  } catch (err) {
    if (file) await rm(file, { force: true });
    throw pipelineUploadErrorOf(err, limits);
  }
}
