import sharp from 'sharp';

/**
 * The overlay PNG at the photo's size: the model-frame RGBA map (image-explain.ts's heatmapRgba)
 * scaled bilinearly by sharp, in libvips threads, alpha premultiplied while resizing. It carries no
 * pixel of the photo, so it holds no personal data, and a smooth map compresses well; a client draws
 * it over the photo.
 */
export async function heatmapPng(
  rgba: Uint8Array,
  frameW: number,
  frameH: number,
  photoW: number,
  photoH: number,
): Promise<Buffer> {
  return sharp(rgba, { raw: { width: frameW, height: frameH, channels: 4 } })
    .resize(photoW, photoH, { fit: 'fill', kernel: 'linear' })
    .png({ compressionLevel: 6 })
    .toBuffer();
}
