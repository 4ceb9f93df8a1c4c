import type { Readable } from 'node:stream';

/**
 * Reads and drops a multipart upload a resolver refuses, so the request can finish: busboy waits
 * for each file stream to be consumed before it ends the request. Typed by shape, so this package
 * needs no upload library; graphql-upload-minimal's FileUpload fits.
 */
export async function discardUpload(
  upload: Promise<{ createReadStream(): Readable }> | null | undefined,
): Promise<void> {
  if (!upload) return;
  try {
    const stream = (await upload).createReadStream();
    stream.resume();
    await new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('error', () => resolve());
      stream.once('close', () => resolve());
    });
  } catch {
    // The upload itself failed: nothing is left to drain.
  }
}
