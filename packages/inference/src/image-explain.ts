// Pure numeric code, no sharp: it also runs in the model's worker thread (session-worker.ts), so it
// keeps to erasable TypeScript.
import type { ImageRegion } from './image-model.ts';

/** Class probabilities from logits (the model's temperature is already folded into its head). */
export function softmax(logits: ArrayLike<number>): number[] {
  let top = -Infinity;
  for (let i = 0; i < logits.length; i++) top = Math.max(top, logits[i]!);
  const exp = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i]! - top));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / sum);
}

/**
 * Bilinear resize of a row-major `inH`×`inW` map with PyTorch's `align_corners=False` (what
 * training's `F.interpolate` does): output pixel centres are mapped onto input pixel centres, and
 * coordinates before the first centre clamp to it.
 */
export function upsampleBilinear(
  src: ArrayLike<number>,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
): Float32Array {
  const axis = (outSize: number, inSize: number) => {
    const scale = inSize / outSize;
    const lo = new Int32Array(outSize);
    const hi = new Int32Array(outSize);
    const frac = new Float64Array(outSize);
    for (let o = 0; o < outSize; o++) {
      const s = Math.max(0, (o + 0.5) * scale - 0.5);
      lo[o] = Math.min(Math.floor(s), inSize - 1);
      hi[o] = Math.min(lo[o]! + 1, inSize - 1);
      frac[o] = s - lo[o]!;
    }
    return { lo, hi, frac };
  };
  const ys = axis(outH, inH);
  const xs = axis(outW, inW);
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const r0 = ys.lo[y]! * inW;
    const r1 = ys.hi[y]! * inW;
    const fy = ys.frac[y]!;
    for (let x = 0; x < outW; x++) {
      const c0 = xs.lo[x]!;
      const c1 = xs.hi[x]!;
      const fx = xs.frac[x]!;
      const top = src[r0 + c0]! * (1 - fx) + src[r0 + c1]! * fx;
      const bottom = src[r1 + c0]! * (1 - fx) + src[r1 + c1]! * fx;
      out[y * outW + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** A half-open box in the model frame: columns x0..x1-1, rows y0..y1-1. */
export interface FrameBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface CamExplanation {
  /** The map in the model frame, row-major, 0..1 (0 where the class has no positive evidence). */
  heat: Float32Array;
  /** The first maximum in row-major order, as numpy's argmax. */
  peak: { x: number; y: number };
  /** The bounding box of the region; null when the map has no positive value. */
  box: FrameBox | null;
}

/**
 * metadata.explanations on one class's CAM, as training's reference implementation
 * (`evaluate.upsample_cams` then `cam_region`) does it: upsample to the model frame, ReLU, divide by
 * the maximum; the region is the 8-connected component of pixels >= `threshold` that holds the peak.
 * (metadata.json words it "ReLU, upsample"; the reference upsamples first. Both give the same
 * regions on the test vectors; upsampling first is what the model card's localisation figures
 * measured.)
 */
export function explainCam(
  cam: ArrayLike<number>,
  camH: number,
  camW: number,
  frameH: number,
  frameW: number,
  threshold: number,
): CamExplanation {
  const heat = upsampleBilinear(cam, camH, camW, frameH, frameW);
  let peakIndex = 0;
  for (let i = 1; i < heat.length; i++) if (heat[i]! > heat[peakIndex]!) peakIndex = i;
  const top = heat[peakIndex]!;
  const peak = { x: peakIndex % frameW, y: Math.floor(peakIndex / frameW) };
  if (!(top > 0)) return { heat: heat.fill(0), peak, box: null };

  // Flood fill from the peak over pixels at or above the threshold, 8-connected, compared before
  // normalising as the reference does (heat >= threshold × max), so no rounding moves the border.
  const floor = threshold * top;
  const seen = new Uint8Array(heat.length);
  const stack = new Int32Array(heat.length); // each pixel is pushed at most once
  let depth = 0;
  stack[depth++] = peakIndex;
  seen[peakIndex] = 1;
  let [x0, y0, x1, y1] = [peak.x, peak.y, peak.x + 1, peak.y + 1];
  while (depth > 0) {
    const i = stack[--depth]!;
    const x = i % frameW;
    const y = (i - x) / frameW;
    if (x < x0) x0 = x;
    if (x >= x1) x1 = x + 1;
    if (y < y0) y0 = y;
    if (y >= y1) y1 = y + 1;
    for (let dy = -1; dy <= 1; dy++) {
      const ny = y + dy;
      if (ny < 0 || ny >= frameH) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        if (nx < 0 || nx >= frameW) continue;
        const j = ny * frameW + nx;
        if (!seen[j] && heat[j]! >= floor) {
          seen[j] = 1;
          stack[depth++] = j;
        }
      }
    }
  }
  for (let i = 0; i < heat.length; i++) heat[i] = Math.max(0, heat[i]!) / top;
  return { heat, peak, box: { x0, y0, x1, y1 } };
}

/**
 * A frame box in photo pixels: scaled by (photo / frame) per axis, widened outwards to whole pixels
 * and kept inside the photo. No box (no positive evidence anywhere) is the whole photo: the class
 * was chosen, but its map points nowhere in particular.
 */
export function regionInPhoto(
  box: FrameBox | null,
  frameW: number,
  frameH: number,
  photoW: number,
  photoH: number,
): ImageRegion {
  if (!box) return { x: 0, y: 0, width: photoW, height: photoH };
  const sx = photoW / frameW;
  const sy = photoH / frameH;
  const x = Math.max(0, Math.floor(box.x0 * sx));
  const y = Math.max(0, Math.floor(box.y0 * sy));
  const right = Math.min(photoW, Math.ceil(box.x1 * sx));
  const bottom = Math.min(photoH, Math.ceil(box.y1 * sy));
  return { x, y, width: right - x, height: bottom - y };
}

// A jet-like ramp (blue, cyan, yellow, red): the colouring people expect from a CAM overlay.
const RAMP: readonly { at: number; rgb: readonly [number, number, number] }[] = [
  { at: 0, rgb: [0, 0, 255] },
  { at: 0.35, rgb: [0, 255, 255] },
  { at: 0.65, rgb: [255, 255, 0] },
  { at: 1, rgb: [255, 0, 0] },
];

/** Most opaque the overlay gets (at the peak): the photo still shows through everywhere. */
export const HEATMAP_MAX_ALPHA = 0.6;

/** RGBA for each of 256 heat levels: alpha has 8 bits, so finer levels could not show anyway. */
const PALETTE = (() => {
  const palette = new Uint8Array(256 * 4);
  for (let level = 0; level < 256; level++) {
    const h = level / 255;
    const k = Math.max(
      1,
      RAMP.findIndex((stop) => stop.at >= h),
    );
    const lo = RAMP[k - 1]!;
    const hi = RAMP[k]!;
    const t = (h - lo.at) / (hi.at - lo.at);
    for (let c = 0; c < 3; c++) {
      palette[level * 4 + c] = Math.round(lo.rgb[c]! + (hi.rgb[c]! - lo.rgb[c]!) * t);
    }
    palette[level * 4 + 3] = Math.round(255 * HEATMAP_MAX_ALPHA * h);
  }
  // Whole pixels as 32-bit words; both views share the machine's byte order, so bytes land as RGBA.
  return new Uint32Array(palette.buffer, palette.byteOffset, 256);
})();

/**
 * The heat as RGBA bytes: colour from the ramp, alpha = HEATMAP_MAX_ALPHA × heat, so places with
 * no evidence are fully transparent and the overlay never hides the photo.
 */
export function heatmapRgba(heat: Float32Array): Uint8Array {
  const pixels = new Uint32Array(heat.length);
  for (let i = 0; i < heat.length; i++) {
    pixels[i] = PALETTE[Math.round(255 * Math.min(1, Math.max(0, heat[i]!)))]!;
  }
  return new Uint8Array(pixels.buffer);
}

/** The shapes explainBatch needs, from metadata.json. */
export interface ExplainSpec {
  classes: number;
  camH: number;
  camW: number;
  frameH: number;
  frameW: number;
  threshold: number;
}

/** One image's explanation: the class it explains (the top one), its overlay and its region. */
export interface ImageExplanation {
  classIndex: number;
  /** heatmapRgba of the map, frameW × frameH. */
  rgba: Uint8Array;
  box: FrameBox | null;
}

/** For each row of a batch's outputs: the top class (first maximum of the logits) explained. */
export function explainBatch(
  logits: Float32Array,
  cam: Float32Array,
  rows: number,
  spec: ExplainSpec,
): ImageExplanation[] {
  const k = spec.classes;
  const cells = spec.camH * spec.camW;
  return Array.from({ length: rows }, (_, row) => {
    let classIndex = 0;
    for (let c = 1; c < k; c++) if (logits[row * k + c]! > logits[row * k + classIndex]!) classIndex = c;
    const offset = (row * k + classIndex) * cells;
    const { heat, box } = explainCam(
      cam.subarray(offset, offset + cells),
      spec.camH,
      spec.camW,
      spec.frameH,
      spec.frameW,
      spec.threshold,
    );
    return { classIndex, rgba: heatmapRgba(heat), box };
  });
}
