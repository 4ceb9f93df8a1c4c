// "Inference runs off the event loop", measured on the shared 2-core dev machine (Node 24,
// onnxruntime-node 1.30, one intra-op thread) with a 1 ms setInterval probe: the longest gap
// between its ticks while a call runs. The idle machine's own gap is 2-5 ms.
// - onnxruntime-node's session.run is synchronous native code that only defers itself with
//   setImmediate. Inline, one run blocked the loop for 3 ms (1 image), 15-17 ms (8) and 58-68 ms
//   (32 images). So the session lives in a worker thread (worker-session.ts, session-worker.ts). The
//   loop's share of a run is now 0.02 ms to post the transferred tensors, and during a 32-image run
//   its longest gap is the idle machine's (p50 4 ms).
// - sharp decodes and resizes in libvips threads, so the loop spends ~2 ms a photo whatever its
//   size (sharp's own call overhead, plus 0.2-0.3 ms to normalise through a lookup table).
// - Explaining an image (upsample, region, overlay colours) took ~1-2 ms on the loop. A batch's
//   images all resolve at once, so 16 photos blocked it for 30 ms or more. The worker does that too.
// - classify() on a 640x480 JPEG: one photo at a time p50 40 ms, p95 50 ms. With 16 at once
//   (maxWaitMs 5, 6 model calls for 16 photos): p50 284 ms, p95 442 ms per photo, 23 ms a photo
//   overall. The largest single cost is the photo-sized overlay PNG: 20-30 ms at 640x480 and
//   ~0.5 s at 4000x3000, in libvips threads.
import path from 'node:path';
import { Batcher, type BatcherMetrics, type BatcherOptions } from './batcher.ts';
import { inputRowId } from './deadline.ts';
import type { PredictionCache } from './serving/prediction-cache.ts';
import { regionInPhoto, softmax, type ImageExplanation } from './image-explain.ts';
import { readImageMetadata, type ImageModelMetadata } from './image-metadata.ts';
import { heatmapPng } from './image-overlay.ts';
import { ImagePreprocessor, type PreparedImage } from './image-preprocess.ts';
import { WorkerSession, type WorkerRunResult } from './worker-session.ts';
import { verifyImageTestVectors } from './image-test-vectors.ts';
import type { InferenceMetrics } from './session.ts';
import { modelAttributes, traced, tracing } from './tracing.ts';

/** A rectangle in photo pixels (the upright photo, after its EXIF orientation). */
export interface ImageRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ImageClassification {
  /** The top class and its calibrated probability. */
  label: string;
  confidence: number;
  /** Every class, by score descending; the scores sum to 1. */
  scores: { label: string; score: number }[];
  /**
   * The top class's activation map as an RGBA PNG at the photo's size, to draw over the photo: a
   * blue-to-red ramp whose alpha is 0.6 × the map (transparent where there is no evidence). It holds
   * no pixel of the photo itself.
   */
  heatmapPng: Buffer;
  /**
   * The bounding box of the map's strongest connected region (metadata.explanations.region); the
   * whole photo in the rare case where the top class has no positive evidence anywhere.
   */
  region: ImageRegion;
  /** The photo's upright size. */
  width: number;
  height: number;
  model: { name: string; version: string };
}

/** A photo's scores as cached (JSON: Redis or in process), by version + exact input tensor. */
export interface CachedScoredImage {
  l: number[];
  c: number;
  b: ImageExplanation['box'];
  /** The explanation's RGBA map, base64. */
  r: string;
}

export interface ImageModelOptions {
  metrics?: InferenceMetrics;
  /** Scores by prediction id (version + exact tensor): a photo asked about again skips the model. */
  cache?: PredictionCache<CachedScoredImage> | undefined;
  /** Cross-request batching: most photos per model call, and how long the first one waits. */
  batch: BatcherOptions;
  batcherMetrics?: BatcherMetrics;
  /** Largest photo decoded, width × height. Default 40 000 000, issue 5's upload limit. */
  maxInputPixels?: number;
}

/** The model's outputs for a batch: logits [N, classes] and cam [N, classes, h, w], row-major. */
export interface ImageModelOutputs {
  logits: Float32Array;
  cam: Float32Array;
}

/** One photo's model outputs: its logits and the worker's explanation of the top class. */
export interface ScoredImage {
  logits: Float32Array;
  explanation: ImageExplanation;
}

/**
 * The image triage model (models/image/<version>/): photo bytes in, label, calibrated scores, CAM
 * heatmap and region out. Preprocessing runs per photo in sharp; photos from concurrent requests
 * meet in a Batcher and go to the model together, one session.run per batch, in a worker thread.
 */
export class ImageModel {
  private readonly batcher: Batcher<Float32Array, ScoredImage>;
  private readonly frame: { width: number; height: number };

  private constructor(
    readonly metadata: ImageModelMetadata,
    private readonly session: WorkerSession,
    private readonly preprocessor: ImagePreprocessor,
    private readonly metrics: InferenceMetrics | undefined,
    private readonly options: ImageModelOptions,
  ) {
    this.frame = { width: metadata.input.width, height: metadata.input.height };
    this.batcher = new Batcher<Float32Array, ScoredImage>(
      metadata.name,
      (tensors) => this.runBatch(tensors),
      options.batch,
      options.batcherMetrics,
      {
        name: 'model.inference',
        // The image model's session always runs in a worker thread (see the top of this file).
        attributes: { ...modelAttributes(metadata.name, metadata.version), 'model.backend': 'worker' },
      },
    );
    metrics?.version.set(this.labels, 1);
  }

  static async load(dir: string, options: ImageModelOptions): Promise<ImageModel> {
    const metadata = await readImageMetadata(dir);
    const { logits, cam } = metadata.onnx.outputs;
    const session = await WorkerSession.start({
      modelPath: path.join(dir, metadata.onnx.file),
      input: metadata.onnx.input,
      outputs: [logits, cam],
      explain: {
        logits,
        cam,
        classes: metadata.classes.length,
        camH: Number(metadata.outputs.cam.dims[2]),
        camW: Number(metadata.outputs.cam.dims[3]),
        frameH: metadata.input.height,
        frameW: metadata.input.width,
        threshold: metadata.explanations?.threshold ?? 0.5,
      },
    });
    const preprocessor = new ImagePreprocessor(metadata, {
      maxPixels: options.maxInputPixels ?? 40_000_000,
    });
    const model = new ImageModel(metadata, session, preprocessor, options.metrics, options);
    try {
      // What every served model proves before it serves: the folder is the version it says, and
      // the file reproduces the framework's own outputs (a missing test-vector file is an error).
      if (path.basename(dir) !== metadata.version) {
        throw new Error(
          `${dir}: metadata.json says version ${metadata.version}, the folder ${path.basename(dir)}`,
        );
      }
      // Outside the metrics, as ping: they count traffic.
      const { height, width } = metadata.input;
      model.testVectors = await verifyImageTestVectors(dir, metadata.task, async (input, rows) =>
        model.outputsOf((await session.run([input], [rows, 3, height, width])).outputs),
      );
      return model;
    } catch (err) {
      await model.close();
      throw err;
    }
  }

  /** How many test-vector images it reproduced at load. */
  testVectors = 0;

  get name(): string {
    return this.metadata.name;
  }

  get version(): string {
    return this.metadata.version;
  }

  get classes(): string[] {
    return [...this.metadata.classes];
  }

  private get labels() {
    return { model: this.metadata.name, version: this.metadata.version };
  }

  /**
   * `image` is an already-validated image (JPEG/PNG/WebP bytes). Throws ImageInputError if it
   * cannot be decoded, and a plain Error if the model fails.
   */
  async classify(image: Buffer): Promise<ImageClassification> {
    const photo = await this.prepare(image);
    return this.finish(photo, await this.batcher.submit(photo.tensor));
  }

  /** Decodes, orients and normalises a photo into this version's input tensor (sharp, per photo). */
  prepare(image: Buffer): Promise<PreparedImage> {
    return this.preprocessor.prepare(image);
  }

  /** Whether a photo prepared for `other` is this version's input too (same frame and normalisation). */
  takesInputOf(other: ImageModel): boolean {
    const a = this.metadata;
    const b = other.metadata;
    return JSON.stringify(a.input) === JSON.stringify(b.input);
  }

  /**
   * The serving interface every model's machinery routes between (Servable): prepared photos in,
   * through the cross-request batcher; each answer's id names the version and the exact tensor.
   */
  predict(rows: readonly Float32Array[]): Promise<{ id: string; raw: ScoredImage }[]> {
    if (!tracing()) return this.predictRows(rows);
    return traced(
      'model.predict',
      { ...modelAttributes(this.name, this.version), 'model.rows': rows.length },
      () => this.predictRows(rows),
    );
  }

  private async predictRows(rows: readonly Float32Array[]): Promise<{ id: string; raw: ScoredImage }[]> {
    // Ids first: a run hands the tensors' buffers over to the worker thread.
    const ids = rows.map((r) => inputRowId('img', this.version, r));
    const cache = this.options.cache;
    const found = new Map<string, ScoredImage>();
    for (const [id, c] of cache ? await cache.getMany(ids) : []) {
      found.set(id, {
        logits: Float32Array.from(c.l),
        explanation: { classIndex: c.c, box: c.b, rgba: new Uint8Array(Buffer.from(c.r, 'base64')) },
      });
    }
    const misses = ids.flatMap((id, i) => (found.has(id) ? [] : [i]));
    if (misses.length) {
      const scored = await this.batcher.submitMany(misses.map((i) => rows[i]!));
      const fresh: [string, CachedScoredImage][] = [];
      scored.forEach((r, k) => {
        if (r instanceof Error) throw r;
        const id = ids[misses[k]!]!;
        found.set(id, r);
        const { classIndex, box, rgba } = r.explanation;
        fresh.push([
          id,
          { l: Array.from(r.logits), c: classIndex, b: box, r: Buffer.from(rgba).toString('base64') },
        ]);
      });
      await cache?.setMany(fresh);
    }
    return ids.map((id) => ({ id, raw: found.get(id)! }));
  }

  /** The classification of a prepared photo from its scores: labels, calibrated scores, heatmap, region. */
  async finish(photo: { width: number; height: number }, scored: ScoredImage): Promise<ImageClassification> {
    const { logits, explanation } = scored;
    const probabilities = softmax(logits);
    const { classes } = this.metadata;
    const scores = classes
      .map((label, i) => ({ label, score: probabilities[i]! }))
      .sort((a, b) => b.score - a.score);
    const { width, height } = photo;
    const frame = this.frame;
    return {
      // The class the worker explained: the first maximum of the logits.
      label: classes[explanation.classIndex]!,
      confidence: probabilities[explanation.classIndex]!,
      scores,
      heatmapPng: await (tracing()
        ? traced('image.heatmap', { 'image.width': width, 'image.height': height }, () =>
            heatmapPng(explanation.rgba, frame.width, frame.height, width, height),
          )
        : heatmapPng(explanation.rgba, frame.width, frame.height, width, height)),
      region: regionInPhoto(explanation.box, frame.width, frame.height, width, height),
      width,
      height,
      model: { name: this.name, version: this.version },
    };
  }

  /**
   * The raw outputs for `rows` already-normalised images ([rows, 3, H, W], as in test_vectors.json),
   * in one model call; `input` is copied. Counted in the inference metrics like any batch.
   */
  async infer(input: Float32Array, rows: number): Promise<ImageModelOutputs> {
    const { outputs } = await this.run([input.slice()], rows);
    return this.outputsOf(outputs);
  }

  private async runBatch(tensors: readonly Float32Array[]): Promise<ScoredImage[]> {
    const { outputs, explanations } = await this.run([...tensors], tensors.length);
    const { logits } = this.outputsOf(outputs);
    const k = this.metadata.classes.length;
    return tensors.map((_, i) => ({
      logits: logits.subarray(i * k, (i + 1) * k),
      explanation: explanations![i]!,
    }));
  }

  private outputsOf(outputs: Record<string, Float32Array>): ImageModelOutputs {
    return {
      logits: outputs[this.metadata.onnx.outputs.logits]!,
      cam: outputs[this.metadata.onnx.outputs.cam]!,
    };
  }

  /** One model call on `rows` images given as consecutive slices (moved to the worker, not copied). */
  private async run(inputs: Float32Array[], rows: number): Promise<WorkerRunResult> {
    const { width, height } = this.frame;
    const length = inputs.reduce((n, x) => n + x.length, 0);
    if (length !== rows * 3 * width * height) {
      throw new Error(`input has ${length} values, expected ${rows} × 3 × ${height} × ${width}`);
    }
    try {
      const result = await this.session.run(inputs, [rows, 3, height, width]);
      this.metrics?.time.observe(this.labels, result.seconds);
      return result;
    } finally {
      this.metrics?.calls.inc(this.labels);
      this.metrics?.rows.inc(this.labels, rows);
    }
  }

  /** Runs one blank image outside the metrics: proves the worker and its session answer. */
  async ping(): Promise<void> {
    const { width, height } = this.frame;
    await this.session.run([new Float32Array(3 * width * height)], [1, 3, height, width]);
  }

  async close(): Promise<void> {
    this.metrics?.version.remove(this.labels);
    await this.session.close();
  }
}
