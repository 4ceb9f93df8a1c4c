import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import sharp from 'sharp';
import { createBatcherMetrics } from './batcher.ts';
import { explainCam, regionInPhoto, softmax, upsampleBilinear } from './image-explain.ts';
import { readImageMetadata } from './image-metadata.ts';
import { ImageModel, type ImageClassification } from './image-model.ts';
import { ImageInputError, ImagePreprocessor } from './image-preprocess.ts';
import { WorkerSession } from './worker-session.ts';
import { createInferenceMetrics } from './session.ts';

const MODELS = path.resolve(import.meta.dirname, '../../../models');
const MODEL_DIR = path.join(MODELS, 'image/1.0.0');

interface Encoded {
  dims: number[];
  base64: string;
}
const vectors = JSON.parse(readFileSync(path.join(MODEL_DIR, 'test_vectors.json'), 'utf8')) as {
  tolerance: number;
  classes: string[];
  labels: string[];
  sources: string[];
  pixels: Encoded;
  input: Encoded;
  expected: { logits: { values: number[][] }; cam: Encoded };
};
/** Copied: Buffer slices need not be 4-byte aligned for a Float32Array view. */
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
const floats = (b64: string) => new Float32Array(bytes(b64).buffer);
const N = vectors.input.dims[0]!;
const vectorInput = floats(vectors.input.base64);
const vectorCams = floats(vectors.expected.cam.base64);
const vectorLogits = vectors.expected.logits.values;

/**
 * The region recipe run by training's reference code on the vectors' expected CAMs (predicted
 * class): `evaluate.upsample_cams` (torch F.interpolate), ReLU, `evaluate.cam_region` (scipy
 * 8-connected labelling). Peak (x, y), box (x0, y0, x1, y1) half-open, sum of the normalised map.
 */
const REFERENCE = [
  { peak: { x: 36, y: 115 }, box: { x0: 18, y0: 100, x1: 58, y1: 128 }, heatSum: 968.5422 },
  { peak: { x: 28, y: 91 }, box: { x0: 13, y0: 74, x1: 65, y1: 107 }, heatSum: 1553.4419 },
  { peak: { x: 43, y: 83 }, box: { x0: 17, y0: 50, x1: 78, y1: 101 }, heatSum: 2684.9185 },
  { peak: { x: 43, y: 60 }, box: { x0: 9, y0: 48, x1: 63, y1: 128 }, heatSum: 4231.4155 },
  { peak: { x: 52, y: 20 }, box: { x0: 32, y0: 0, x1: 85, y1: 41 }, heatSum: 2411.5566 },
];

const argmax = (xs: readonly number[]) => xs.indexOf(Math.max(...xs));

const metricValue = async (registry: Registry, name: string) =>
  (await registry.getSingleMetric(name)?.get())?.values.reduce((s, v) => s + v.value, 0) ?? 0;

/** Vector `i`'s pixels (128×128 RGB) as a lossless PNG. */
function vectorPng(i: number): Promise<Buffer> {
  const size = 128 * 128 * 3;
  const pixels = bytes(vectors.pixels.base64).subarray(i * size, (i + 1) * size);
  return sharp(pixels, { raw: { width: 128, height: 128, channels: 3 } })
    .png()
    .toBuffer();
}

/** A street drawn in SVG: sky, buildings, road, and a dark pothole-like hole at (cx, cy). */
function streetSvg(width: number, height: number, hole: { cx: number; cy: number } | null): Buffer {
  const horizon = Math.round(height * 0.35);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
      <rect width="${width}" height="${horizon}" fill="#9cc3e6"/>
      <rect x="${width * 0.05}" y="${horizon * 0.4}" width="${width * 0.3}" height="${horizon * 0.6}" fill="#b08a6e"/>
      <rect x="${width * 0.6}" y="${horizon * 0.2}" width="${width * 0.35}" height="${horizon * 0.8}" fill="#d9c9a3"/>
      <rect y="${horizon}" width="${width}" height="${height - horizon}" fill="#8a8a84"/>
      <polygon points="${width * 0.45},${horizon} ${width * 0.55},${horizon} ${width},${height} 0,${height}" fill="#3f3f42"/>
      <rect x="${width * 0.49}" y="${horizon + (height - horizon) * 0.3}" width="${width * 0.02}" height="${(height - horizon) * 0.2}" fill="#eeeeee"/>
      ${hole ? `<ellipse cx="${hole.cx}" cy="${hole.cy}" rx="${width * 0.09}" ry="${height * 0.04}" fill="#141414" stroke="#6b6b6b" stroke-width="3"/>` : ''}
    </svg>`,
  );
}

function assertWellFormed(result: ImageClassification, width: number, height: number, classes: string[]) {
  assert.equal(result.width, width);
  assert.equal(result.height, height);
  assert.ok(classes.includes(result.label), `label ${result.label}`);
  assert.deepEqual([...result.scores.map((s) => s.label)].sort(), [...classes].sort());
  const sum = result.scores.reduce((s, x) => s + x.score, 0);
  assert.ok(Math.abs(sum - 1) < 1e-9, `scores sum to ${sum}`);
  for (let i = 1; i < result.scores.length; i++) {
    assert.ok(result.scores[i - 1]!.score >= result.scores[i]!.score, 'scores sorted by score, descending');
  }
  assert.equal(result.scores[0]!.label, result.label);
  assert.equal(result.scores[0]!.score, result.confidence);
  const { x, y, width: w, height: h } = result.region;
  assert.ok(Number.isInteger(x) && Number.isInteger(y) && Number.isInteger(w) && Number.isInteger(h));
  assert.ok(
    x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height,
    JSON.stringify(result.region),
  );
  assert.deepEqual(result.model, { name: 'image', version: '1.0.0' });
}

describe('image explanations (metadata.explanations)', () => {
  it("upsamples as torch's F.interpolate(bilinear, align_corners=False)", () => {
    // torch.nn.functional.interpolate(tensor([[1., 2.], [3., 4.]])[None, None], scale_factor=2,
    // mode='bilinear', align_corners=False)
    const expected = [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4];
    assert.deepEqual([...upsampleBilinear([1, 2, 3, 4], 2, 2, 4, 4)], expected);
  });

  it('takes the 8-connected component holding the peak, joined diagonally, and leaves other blobs out', () => {
    // Same size in and out, so the map is used as is. Threshold 0.5 × 10 = 5.
    // prettier-ignore
    const cam = [
      0, 0, 0, 0, 0, 6,
      0, 10, 0, 0, 0, 6,
      0, 0, 5, 0, 0, 0,
      0, 0, 0, 4, 0, 0,
      0, 0, 0, 0, 0, 0,
    ];
    const { peak, box, heat } = explainCam(cam, 5, 6, 5, 6, 0.5);
    assert.deepEqual(peak, { x: 1, y: 1 });
    assert.deepEqual(box, { x0: 1, y0: 1, x1: 3, y1: 3 });
    assert.equal(heat[1 * 6 + 1], 1);
    assert.equal(heat[2 * 6 + 2], 0.5);
  });

  it("reproduces training's reference regions on the test vectors' CAMs", () => {
    const cells = 16 * 16;
    for (let i = 0; i < N; i++) {
      const c = argmax(vectorLogits[i]!);
      const offset = (i * vectors.classes.length + c) * cells;
      const { peak, box, heat } = explainCam(
        vectorCams.subarray(offset, offset + cells),
        16,
        16,
        128,
        128,
        0.5,
      );
      assert.deepEqual({ peak, box }, { peak: REFERENCE[i]!.peak, box: REFERENCE[i]!.box }, `vector ${i}`);
      const sum = heat.reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(sum - REFERENCE[i]!.heatSum) < 0.05, `vector ${i}: heat sums to ${sum}`);
      assert.equal(Math.max(...heat), 1);
    }
  });

  it('gives no region, and an all-clear map, when the class has no positive evidence', () => {
    const { box, heat } = explainCam(new Array<number>(16).fill(-1), 4, 4, 8, 8, 0.5);
    assert.equal(box, null);
    assert.ok(heat.every((v) => v === 0));
    assert.deepEqual(regionInPhoto(null, 128, 128, 640, 480), { x: 0, y: 0, width: 640, height: 480 });
  });

  it('scales a frame box to the photo, outwards to whole pixels, inside the photo', () => {
    assert.deepEqual(regionInPhoto({ x0: 18, y0: 100, x1: 58, y1: 128 }, 128, 128, 640, 480), {
      x: 90,
      y: 375,
      width: 200,
      height: 105,
    });
    assert.deepEqual(regionInPhoto({ x0: 1, y0: 0, x1: 3, y1: 128 }, 128, 128, 100, 333), {
      x: 0,
      y: 0,
      width: 3,
      height: 333,
    });
  });

  it('softmax sums to one and survives large logits', () => {
    const p = softmax([1000, 999, -1000]);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(p[0]! > p[1]! && p[2] === 0);
  });
});

describe('image model metadata', () => {
  it("EXPECTED FAILURE - a tabular model's metadata is refused, naming what is missing", async () => {
    await assert.rejects(readImageMetadata(path.join(MODELS, 'flood/1.0.0')), /classes.*input/s);
  });

  it('EXPECTED FAILURE - a worker that cannot open the ONNX file fails the start, not a request', async () => {
    await assert.rejects(
      WorkerSession.start({
        modelPath: path.join(MODEL_DIR, 'missing.onnx'),
        input: 'image',
        outputs: [],
      }),
      /missing\.onnx.*failed/,
    );
    await assert.rejects(
      WorkerSession.start({
        modelPath: path.join(MODEL_DIR, 'model.onnx'),
        input: 'pixels',
        outputs: ['logits'],
      }),
      /has no pixels/,
    );
  });
});

describe('loading an image model version', () => {
  const options = { batch: { maxBatchSize: 16, maxWaitMs: 0 } };
  const copy = async (edit: (dir: string) => Promise<void>) => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'image-'));
    const dir = path.join(tmp, '1.0.0');
    await cp(MODEL_DIR, dir, { recursive: true });
    await edit(dir);
    return { dir, [Symbol.asyncDispose]: () => rm(tmp, { recursive: true, force: true }) };
  };

  it('proves it reproduces its test vectors, like every served model', async () => {
    const model = await ImageModel.load(MODEL_DIR, options);
    assert.equal(model.testVectors, N);
    await model.close();
  });

  it('refuses a version without test_vectors.json', async () => {
    await using v = await copy((dir) => rm(path.join(dir, 'test_vectors.json')));
    await assert.rejects(ImageModel.load(v.dir, options), /no test_vectors\.json/);
  });

  it("refuses a file that no longer gives torch's outputs", async () => {
    await using v = await copy(async (dir) => {
      const file = path.join(dir, 'test_vectors.json');
      const t = JSON.parse(await readFile(file, 'utf8'));
      t.expected.logits.values[0][0] += 0.01;
      await writeFile(file, JSON.stringify(t));
    });
    await assert.rejects(ImageModel.load(v.dir, options), /differs from torch .*logits by 0\.01/);
  });

  it('refuses a folder whose metadata names another version', async () => {
    await using v = await copy(async () => {});
    const other = path.join(path.dirname(v.dir), '2.0.0');
    await rename(v.dir, other);
    await assert.rejects(ImageModel.load(other, options), /says version 1\.0\.0, the folder 2\.0\.0/);
  });
});

describe('ImageModel', () => {
  const registry = new Registry();
  const classes = vectors.classes;
  let model: ImageModel;
  let preprocessor: ImagePreprocessor;

  before(async () => {
    model = await ImageModel.load(MODEL_DIR, {
      metrics: createInferenceMetrics(registry),
      batch: { maxBatchSize: 16, maxWaitMs: 0 },
    });
    preprocessor = new ImagePreprocessor(await readImageMetadata(MODEL_DIR), { maxPixels: 40_000_000 });
  });
  after(() => model.close());

  it('describes itself from metadata.json', () => {
    assert.equal(model.name, 'image');
    assert.equal(model.version, '1.0.0');
    assert.deepEqual(model.classes, classes);
  });

  it(`matches torch's logits and CAMs on test_vectors.json within the file's tolerance, in one call`, async () => {
    const calls = await metricValue(registry, 'inference_calls_total');
    const rows = await metricValue(registry, 'inference_rows_total');
    const out = await model.infer(vectorInput, N);
    assert.equal(out.logits.length, N * classes.length);
    assert.equal(out.cam.length, vectorCams.length);
    let worst = 0;
    vectorLogits.flat().forEach((v, i) => (worst = Math.max(worst, Math.abs(v - out.logits[i]!))));
    assert.ok(worst <= vectors.tolerance, `logits differ by ${worst}`);
    worst = 0;
    vectorCams.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - out.cam[i]!))));
    assert.ok(worst <= vectors.tolerance, `cams differ by ${worst}`);
    assert.equal(await metricValue(registry, 'inference_calls_total'), calls + 1);
    assert.equal(await metricValue(registry, 'inference_rows_total'), rows + N);
    assert.match(await registry.metrics(), /model_version\{model="image",version="1.0.0"\} 1/);
  });

  it('keeps the event loop free while the model runs a batch of 32', async () => {
    const batch = new Float32Array(32 * 3 * 128 * 128);
    for (let i = 0; i < 32; i++) batch.set(vectorInput.subarray(0, 3 * 128 * 128), i * 3 * 128 * 128);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await model.infer(batch, 32);
    clearInterval(timer);
    // Inline, onnxruntime-node's run is one synchronous call (~60 ms here): at most one tick fits
    // before it starts, and the await resumes before the next one.
    assert.ok(ticks >= 3, `the interval ran ${ticks} times while the worker ran the model`);
  });

  it("preprocesses the vectors' pixels into exactly the tensor torch was given", async () => {
    const size = 3 * 128 * 128;
    for (let i = 0; i < N; i++) {
      const { tensor, width, height } = await preprocessor.prepare(await vectorPng(i));
      assert.deepEqual([width, height], [128, 128]);
      let worst = 0;
      tensor.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - vectorInput[i * size + j]!))));
      assert.ok(worst <= 1e-6, `vector ${i}: normalisation differs by ${worst}`);
    }
  });

  it("classifies the vectors' scenes as torch does, with training's reference regions", async () => {
    const results = await Promise.all(
      Array.from({ length: N }, async (_, i) => model.classify(await vectorPng(i))),
    );
    results.forEach((result, i) => {
      assertWellFormed(result, 128, 128, classes);
      const expected = softmax(vectorLogits[i]!);
      for (const { label, score } of result.scores) {
        const want = expected[classes.indexOf(label)]!;
        assert.ok(Math.abs(score - want) < 1e-4, `vector ${i} ${label}: ${score} vs ${want}`);
      }
      assert.equal(result.label, classes[argmax(vectorLogits[i]!)]);
      const { x0, y0, x1, y1 } = REFERENCE[i]!.box;
      assert.deepEqual(result.region, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    });
    // The four day scenes are the generator's pothole, garbage, fallen_tree and other.
    assert.deepEqual(
      results.slice(0, 4).map((r) => r.label),
      vectors.labels.slice(0, 4),
    );
  });

  it("keeps the generator scenes' labels, and their regions scaled, when the photo is bigger and not square", async () => {
    for (let i = 0; i < 4; i++) {
      const png = await vectorPng(i);
      const photos = [
        {
          width: 640,
          height: 480,
          image: await sharp(png).resize(640, 480, { fit: 'fill' }).jpeg().toBuffer(),
        },
        {
          width: 300,
          height: 500,
          image: await sharp(png).resize(300, 500, { fit: 'fill' }).png().toBuffer(),
        },
      ];
      for (const { width, height, image } of photos) {
        const result = await model.classify(image);
        assertWellFormed(result, width, height, classes);
        assert.equal(result.label, vectors.labels[i], `${vectors.sources[i]} at ${width}x${height}`);
        assert.ok(result.confidence > 0.9, `confidence ${result.confidence}`);
        // Within one CAM cell (8 model-frame pixels) of the reference box, scaled to the photo.
        const { x0, y0, x1, y1 } = REFERENCE[i]!.box;
        const [sx, sy] = [width / 128, height / 128];
        const { x, y, width: w, height: h } = result.region;
        const off = Math.max(
          Math.abs(x / sx - x0),
          Math.abs(y / sy - y0),
          Math.abs((x + w) / sx - x1),
          Math.abs((y + h) / sy - y1),
        );
        assert.ok(off <= 8, `region ${JSON.stringify(result.region)} is ${off} frame px off the reference`);
      }
    }
  });

  it('classifies generated photos of any size and shape, with a photo-sized PNG overlay', async () => {
    const landscape = await sharp(streetSvg(640, 480, { cx: 250, cy: 400 }))
      .jpeg({ quality: 85 })
      .toBuffer();
    // Portrait, with a transparent margin (composited on white, as training does).
    const portrait = await sharp(streetSvg(300, 500, null))
      .extend({ top: 20, bottom: 20, left: 10, right: 10, background: { r: 0, g: 0, b: 0, alpha: 0 } })
      .png()
      .toBuffer();
    const cases = [
      { image: landscape, width: 640, height: 480 },
      { image: portrait, width: 320, height: 540 },
    ];
    for (const { image, width, height } of cases) {
      const result = await model.classify(image);
      assertWellFormed(result, width, height, classes);
      const overlay = await sharp(result.heatmapPng).metadata();
      assert.equal(overlay.format, 'png');
      assert.deepEqual([overlay.width, overlay.height, overlay.channels], [width, height, 4]);
      // An overlay that never hides the photo: at most 60% opaque, and most opaque at the peak.
      const rgba = await sharp(result.heatmapPng).raw().toBuffer();
      let max = 0;
      for (let i = 3; i < rgba.length; i += 4) max = Math.max(max, rgba[i]!);
      assert.ok(max >= 120 && max <= 153, `alpha max ${max}`);
    }
  });

  it('applies the EXIF orientation: a JPEG stored sideways with orientation 6 is classified upright', async () => {
    // Upright 480×640: bright left half, dark right half. Stored rotated 90° anticlockwise
    // (640×480) with orientation 6, which tells viewers to turn it 90° clockwise.
    const upright = await sharp({
      create: { width: 480, height: 640, channels: 3, background: { r: 20, g: 20, b: 20 } },
    })
      .composite([
        {
          input: { create: { width: 240, height: 640, channels: 3, background: { r: 240, g: 240, b: 240 } } },
          left: 0,
          top: 0,
        },
      ])
      .png()
      .toBuffer();
    const stored = await sharp(upright)
      .rotate(-90)
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const raw = await sharp(stored).metadata();
    assert.deepEqual([raw.width, raw.height, raw.orientation], [640, 480, 6]);

    const result = await model.classify(stored);
    assertWellFormed(result, 480, 640, classes);
    const overlay = await sharp(result.heatmapPng).metadata();
    assert.deepEqual([overlay.width, overlay.height], [480, 640]);

    // In the model frame the bright half is on the left, as the citizen saw it.
    const { tensor } = await preprocessor.prepare(stored);
    let left = 0;
    let right = 0;
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 128; x++) {
        if (x < 60) left += tensor[y * 128 + x]!;
        if (x >= 68) right += tensor[y * 128 + x]!;
      }
    }
    assert.ok(left > right, `left ${left} vs right ${right}`);
  });

  it('composites transparent pixels on white and reads greyscale photos as RGB', async () => {
    const clear = await sharp({
      create: { width: 50, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const white = await preprocessor.prepare(
      await sharp({ create: { width: 50, height: 40, channels: 3, background: '#ffffff' } })
        .png()
        .toBuffer(),
    );
    assert.deepEqual((await preprocessor.prepare(clear)).tensor, white.tensor);

    const grey = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    assert.equal((await sharp(grey).metadata()).channels, 1);
    const result = await model.classify(grey);
    assertWellFormed(result, 64, 48, classes);
  });

  it('EXPECTED FAILURE - bytes that are no image, or too many pixels, are an ImageInputError; the model keeps answering', async () => {
    await assert.rejects(model.classify(Buffer.from('not an image at all')), ImageInputError);
    const jpeg = await sharp(streetSvg(200, 150, null))
      .jpeg()
      .toBuffer();
    await assert.rejects(model.classify(jpeg.subarray(0, jpeg.length / 2)), ImageInputError);
    const small = new ImagePreprocessor(await readImageMetadata(MODEL_DIR), { maxPixels: 100 * 100 });
    await assert.rejects(
      small.prepare(jpeg),
      (e: unknown) => e instanceof ImageInputError && /pixel/i.test(e.message),
    );
    assertWellFormed(await model.classify(jpeg), 200, 150, classes);
  });

  it('batches concurrent photos into fewer model calls, each photo getting its own answer', async () => {
    const batchedRegistry = new Registry();
    const batched = await ImageModel.load(MODEL_DIR, {
      metrics: createInferenceMetrics(batchedRegistry),
      batcherMetrics: createBatcherMetrics(batchedRegistry),
      // A long window, so that every photo's preprocessing finishes inside it even on a slow machine.
      batch: { maxBatchSize: 32, maxWaitMs: 500 },
    });
    try {
      const photos = await Promise.all([
        vectorPng(0),
        vectorPng(2),
        sharp(streetSvg(320, 240, { cx: 100, cy: 200 }))
          .jpeg()
          .toBuffer(),
        sharp(streetSvg(240, 320, null))
          .png()
          .toBuffer(),
        vectorPng(1),
        vectorPng(3),
      ]);
      const together = await Promise.all(photos.map((p) => batched.classify(p)));
      const calls = await metricValue(batchedRegistry, 'inference_calls_total');
      assert.ok(calls >= 1 && calls < photos.length, `${calls} model calls for ${photos.length} photos`);
      assert.equal(await metricValue(batchedRegistry, 'inference_rows_total'), photos.length);
      assert.equal(await metricValue(batchedRegistry, 'batcher_batches_total'), calls);

      // Alone (the other model, one photo per call) each photo gets the same answer.
      for (const [i, photo] of photos.entries()) {
        const alone = await model.classify(photo);
        assert.equal(together[i]!.label, alone.label, `photo ${i}`);
        assert.deepEqual(together[i]!.region, alone.region, `photo ${i}`);
        for (const { label, score } of together[i]!.scores) {
          const other = alone.scores.find((s) => s.label === label)!.score;
          assert.ok(Math.abs(score - other) < 1e-5, `photo ${i} ${label}: ${score} vs ${other}`);
        }
      }
    } finally {
      await batched.close();
    }
  });

  it('comes back by itself when its worker thread dies, and answers pings', async () => {
    const session = (model as unknown as { session: WorkerSession }).session;
    const pool = (session as unknown as { pool: { threads: { terminate(): Promise<number> }[] } }).pool;
    await pool.threads[0]!.terminate();
    await model.ping();
    assertWellFormed(await model.classify(await vectorPng(2)), 128, 128, classes);
  });

  it('EXPECTED FAILURE - refuses work once closed, and withdraws its version gauge', async () => {
    const closingRegistry = new Registry();
    const closing = await ImageModel.load(MODEL_DIR, {
      metrics: createInferenceMetrics(closingRegistry),
      batch: { maxBatchSize: 4, maxWaitMs: 0 },
    });
    assert.equal(await metricValue(closingRegistry, 'model_version'), 1);
    await closing.close();
    assert.equal(await metricValue(closingRegistry, 'model_version'), 0);
    await assert.rejects(closing.ping(), /closed/);
    await assert.rejects(closing.classify(await vectorPng(0)), /closed/);
  });
});
