import sharp from 'sharp';
import type { ImageModelMetadata } from './image-metadata.ts';
import { traced, tracing } from './tracing.ts';

/**
 * The image could not be decoded (truncated, not an image, over the pixel limit). Distinct from a
 * model failure so that a caller can refuse the photo instead of retrying the model later.
 */
export class ImageInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageInputError';
  }
}

/** One photo in the model's frame: normalised CHW float32, and the photo's upright size. */
export interface PreparedImage {
  tensor: Float32Array;
  width: number;
  height: number;
}

/**
 * Every channel value the model can see is one of 256 pixel values, so the normalisation is a table
 * built with the same float32 operations numpy uses in training (`(p / 255 - mean) / std`, one
 * rounding per step): the tensor matches training's bit for bit, and filling it is a lookup.
 */
export function normalisationTable(mean: readonly number[], std: readonly number[]): Float32Array {
  const table = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]!);
    const s = Math.fround(std[c]!);
    for (let p = 0; p < 256; p++) {
      table[c * 256 + p] = Math.fround(Math.fround(Math.fround(p / 255) - m) / s);
    }
  }
  return table;
}

/** Interleaved RGB bytes (HWC) to the planar normalised tensor (CHW). */
export function normalise(
  rgb: Uint8Array,
  table: Float32Array,
  out = new Float32Array(rgb.length),
): Float32Array {
  const plane = rgb.length / 3;
  for (let i = 0; i < plane; i++) {
    out[i] = table[rgb[3 * i]!]!;
    out[plane + i] = table[256 + rgb[3 * i + 1]!]!;
    out[2 * plane + i] = table[512 + rgb[3 * i + 2]!]!;
  }
  return out;
}

export interface PreprocessOptions {
  /** Largest photo decoded, width × height in pixels (issue 5's upload limit is 40 megapixels). */
  maxPixels: number;
}

/**
 * metadata.json's preprocessing with sharp: EXIF orientation applied, transparency composited on
 * white, the whole photo resized to the model frame with a bilinear kernel and the aspect ratio not
 * kept (`fit: 'fill'`: a pothole at the edge must not be cropped away), then normalised. sharp runs
 * in libvips threads, so decoding a large photo does not hold the event loop.
 */
export class ImagePreprocessor {
  private readonly table: Float32Array;
  private readonly frameWidth: number;
  private readonly frameHeight: number;

  constructor(
    metadata: ImageModelMetadata,
    private readonly options: PreprocessOptions,
  ) {
    this.table = normalisationTable(metadata.input.mean, metadata.input.std);
    this.frameWidth = metadata.input.width;
    this.frameHeight = metadata.input.height;
  }

  get tensorSize(): number {
    return 3 * this.frameWidth * this.frameHeight;
  }

  prepare(image: Buffer): Promise<PreparedImage> {
    if (!tracing()) return this.decode(image);
    return traced('image.decode', { 'image.bytes': image.length }, async (span) => {
      const prepared = await this.decode(image);
      span.setAttributes({ 'image.width': prepared.width, 'image.height': prepared.height });
      return prepared;
    });
  }

  private async decode(image: Buffer): Promise<PreparedImage> {
    // failOn 'error' rather than sharp's default 'warning': the upload stage has already accepted
    // the photo, and a JPEG with a harmless warning must not lose its triage here.
    const input = { failOn: 'error', limitInputPixels: this.options.maxPixels, autoOrient: true } as const;
    let rgb: Buffer;
    let width: number;
    let height: number;
    try {
      const meta = await sharp(image, input).metadata();
      ({ width, height } = meta.autoOrient);
      const { data, info } = await sharp(image, input)
        .flatten({ background: '#ffffff' })
        .resize(this.frameWidth, this.frameHeight, { fit: 'fill', kernel: 'linear' })
        .toColourspace('srgb')
        .removeAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 3 || data.length !== this.tensorSize) {
        throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}`);
      }
      rgb = data;
    } catch (e) {
      throw new ImageInputError(`image unreadable: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    return { tensor: normalise(rgb, this.table), width, height };
  }
}
