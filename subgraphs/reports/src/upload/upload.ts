import type { Logger } from '@cityassist/service-kit';
import type { RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import { processRequest, type FileUpload } from 'graphql-upload-minimal';
import { errors } from '../errors.ts';

export interface UploadLimits {
  /** Largest file, in bytes. */
  maxBytes: number;
  /** Files per request. */
  maxFiles: number;
}

/** Largest `operations` or `map` field of a multipart request: the GraphQL document and variables. */
const MAX_FIELD_BYTES = 1024 * 1024;

/**
 * Maps graphql-upload-minimal's HttpErrors (a 413 for "max file uploads exceeded", a 413 for a
 * field or file over its limit, a 400 for a malformed request) onto this service's codes.
 */
export function uploadErrorOf(err: unknown, limits: UploadLimits): GraphQLError {
  if (err instanceof GraphQLError) return err;
  const status = (err as { status?: unknown }).status;
  const message = err instanceof Error ? err.message : String(err);
  if (status === 413 && /max file uploads exceeded/.test(message)) {
    return errors.TOO_MANY_FILES(`at most ${limits.maxFiles} file(s) per request`, {
      limit: limits.maxFiles,
    });
  }
  if (status === 413) {
    return errors.UPLOAD_TOO_LARGE(`the photo may be at most ${limits.maxBytes} bytes`, {
      limit: limits.maxBytes,
    });
  }
  return errors.BAD_USER_INPUT(`malformed multipart request: ${message}`, { argument: 'photo' });
}

function refuse(res: Response, error: GraphQLError): void {
  const code = error.extensions['code'] as keyof typeof errors.catalogue;
  res.status(errors.catalogue[code]?.status ?? 400).json({
    errors: [{ message: error.message, extensions: error.extensions }],
  });
}

/**
 * Parses GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec)
 * with graphql-upload-minimal, which keeps files in memory streams, never on disk. A request that
 * breaks a limit before any resolver runs (too many files, a declared body far over the limit, a
 * malformed form) is answered here with a GraphQL error body and its code; other requests pass on.
 */
export function uploadMiddleware(limits: UploadLimits, logger: Logger): RequestHandler {
  const largestBody = limits.maxBytes * limits.maxFiles + 2 * MAX_FIELD_BYTES + 64 * 1024;
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > largestBody) {
      // Refused before reading: Node discards the rest of the body once the answer is sent.
      return refuse(res, uploadErrorOf(Object.assign(new Error('body too large'), { status: 413 }), limits));
    }
    // An answer sent before a file was read (the operation failed validation, say) must not leave
    // the rest of the body stuck on the keep-alive connection: drop it.
    res.once('finish', () => {
      if (!req.readableEnded) {
        req.unpipe();
        req.resume();
      }
    });
    processRequest(req, res, {
      maxFieldSize: MAX_FIELD_BYTES,
      maxFileSize: limits.maxBytes,
      maxFiles: limits.maxFiles,
    }).then(
      (body) => {
        req.body = body;
        next();
      },
      (err: unknown) => {
        if ((err as { status?: unknown }).status === 499 || res.headersSent) {
          logger.info('multipart request abandoned by the client');
          return;
        }
        refuse(res, uploadErrorOf(err, limits));
      },
    );
  };
}

/**
 * Reads an uploaded file into memory, at most `limits.maxBytes` (busboy stops at the limit and
 * marks the stream truncated, so a larger file is refused rather than cut).
 */
export async function readUpload(upload: Promise<FileUpload>, limits: UploadLimits): Promise<Buffer> {
  try {
    const file = await upload;
    const stream = file.createReadStream() as NodeJS.ReadableStream & { truncated?: boolean };
    let truncated = false;
    stream.once('limit', () => {
      truncated = true;
    });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (truncated || stream.truncated) {
      throw errors.UPLOAD_TOO_LARGE(`the photo may be at most ${limits.maxBytes} bytes`, {
        limit: limits.maxBytes,
      });
    }
    return Buffer.concat(chunks);
  } catch (err) {
    throw uploadErrorOf(err, limits);
  }
}
