import sharp from 'sharp';
import { errors } from '../errors.ts';

export type ImageType = 'jpeg' | 'png' | 'webp';

/** The re-encoded copy that is stored and classified: decoded pixels only, no metadata. */
export interface SafePhoto {
  bytes: Buffer;
  contentType: 'image/jpeg';
  width: number;
  height: number;
  /** What the upload was, by its bytes. */
  sourceType: ImageType;
}

export interface SanitiserLimits {
  /** Largest photo decoded, width × height. */
  maxPixels: number;
  /** Longest side of the stored copy; larger photos are scaled down. */
  maxEdge: number;
}

/** The type by the file's first bytes (its magic number), never by its name or declared type. */
export function sniffImageType(bytes: Buffer): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'png';
  }
  if (
    bytes.length >= 12 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP'
  ) {
    return 'webp';
  }
  return undefined;
}

// Markup a browser would run if the file were ever served as HTML: an image that is also such a
// document (a polyglot) is refused whole, even though re-encoding would drop the markup. Only tags
// of 4+ letters and their delimiter: in compressed image data a false match is ~1 in 10⁵ per 10 MB.
const MARKUP = /<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|script[\s>]|iframe[\s>])/i;

export function containsMarkup(bytes: Buffer): boolean {
  return MARKUP.test(bytes.toString('latin1'));
}

/**
 * Makes an upload safe to store and show (issue 5, point 2): the type decided by its bytes (JPEG,
 * PNG or WebP), the pixel count read from its header before anything is decoded (a PNG declaring
 * 30000×30000 costs nothing to refuse), then a decode under the pixel limit that fails on a
 * truncated file, the EXIF orientation applied, and a JPEG re-encode that carries no metadata
 * (sharp writes none unless asked): EXIF GPS, camera serials, XMP and comments are gone.
 */
export class PhotoSanitiser {
  constructor(private readonly limits: SanitiserLimits) {}

  async sanitise(bytes: Buffer): Promise<SafePhoto> {
    if (bytes.length === 0) throw errors.IMAGE_UNREADABLE('the photo is empty (0 bytes)');
    const sourceType = sniffImageType(bytes);
    if (!sourceType) {
      throw errors.UNSUPPORTED_MEDIA_TYPE('the file is not a JPEG, PNG or WebP image (by its bytes)');
    }
    if (containsMarkup(bytes)) {
      throw errors.UNSUPPORTED_MEDIA_TYPE('the file is also an HTML or script document (a polyglot)');
    }
    const header = await sharp(bytes, { limitInputPixels: false })
      .metadata()
      .catch(() => {
        throw errors.IMAGE_UNREADABLE(`the ${sourceType.toUpperCase()} header cannot be read`);
      });
    if (header.format !== sourceType || !header.width || !header.height) {
      throw errors.IMAGE_UNREADABLE(`the file starts like a ${sourceType.toUpperCase()} but is not one`);
    }
    const pixels = header.width * (header.pageHeight ?? header.height);
    if (pixels > this.limits.maxPixels) {
      throw errors.UPLOAD_TOO_LARGE(
        `the photo is ${header.width}×${header.height} pixels; at most ${this.limits.maxPixels / 1e6} megapixels are accepted`,
        { limit: this.limits.maxPixels },
      );
    }
    try {
      const { data, info } = await sharp(bytes, {
        limitInputPixels: this.limits.maxPixels,
        failOn: 'truncated',
      })
        .rotate()
        .resize({
          width: this.limits.maxEdge,
          height: this.limits.maxEdge,
          fit: 'inside',
          withoutEnlargement: true,
        })
        // JPEG has no alpha; the image model composites transparency on white too.
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 90 })
        .toBuffer({ resolveWithObject: true });
      return { bytes: data, contentType: 'image/jpeg', width: info.width, height: info.height, sourceType };
    } catch (err) {
      if (err instanceof Error && /pixel limit/i.test(err.message)) {
        throw errors.UPLOAD_TOO_LARGE(`at most ${this.limits.maxPixels / 1e6} megapixels are accepted`, {
          limit: this.limits.maxPixels,
        });
      }
      throw errors.IMAGE_UNREADABLE(`the ${sourceType.toUpperCase()} image cannot be decoded`);
    }
  }
}
