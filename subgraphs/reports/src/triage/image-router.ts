import { createHash } from 'node:crypto';
import path from 'node:path';
import {
  createBatcherMetrics,
  createInferenceMetrics,
  ImageModel,
  ModelRouter,
  DriftMonitor,
  resolveVersion,
  softmax,
  type Assignment,
  type CachedScoredImage,
  type PredictionCache,
  type DriftOptions,
  type DriftSink,
  type FeatureSpec,
  type ImageModelMetadata,
  type ModelDefinition,
  type ScoredImage,
} from '@cityassist/inference';
import type { Logger } from '@cityassist/service-kit';
import type { Registry } from 'prom-client';
import type { ReportsConfig } from '../config.ts';
import type { Classification, ImageClassifier } from './image-classifier.ts';
import { applyGate } from './ood-gate.ts';

/** One prepared photo as the router routes it: keyed by its content, so a photo meets one version. */
interface PhotoRow {
  key: string;
  tensor: Float32Array;
  width: number;
  height: number;
  /** Mean pixel value of the prepared photo in [0, 1]: what the training reference describes. */
  brightness: number;
}

/** What a version answered for a photo, before its heatmap is drawn. */
interface ImageAnswer {
  scored: ScoredImage;
  probabilities: number[];
  classIndex: number;
}

/**
 * The image model as the shared machinery serves it (packages/inference's ModelRouter, as flood,
 * AQI and energy): the champion triages, a canary triages its share of photos (by a hash of the
 * photo, so a retried photo meets the same version), a shadow classifies the champion's photos
 * after the answer and is compared with it (same label = agreement). There is no baseline to
 * guess a photo's class: when the answering version fails, the report stays untriaged and is
 * retried (TRIAGE_RETRY_INTERVAL_MS). Which versions serve comes from the registry the predictions
 * service keeps (image-assignment.ts).
 */
const definition: ModelDefinition<PhotoRow, ImageAnswer, ImageModel> = {
  name: 'image',
  idPrefix: 'img',
  keyOf: (row) => row.key,
  // A copy per version: a run hands its tensor's buffer over to the worker thread.
  inputsOf: (row) => row.tensor.slice(),
  answer: (raw) => {
    const probabilities = softmax(raw.logits);
    return { scored: raw, probabilities, classIndex: raw.explanation.classIndex };
  },
  // Drift is watched on what stands for a photo: its brightness against the training images', and
  // the answer's confidence against the test set's (metadata.json `reference`).
  monitored: (row, out) => Float32Array.of(row.brightness, out.probabilities[out.classIndex]!),
  compare: (champion, shadow) => ({
    difference: Math.abs(
      champion.probabilities[champion.classIndex]! - shadow.probabilities[champion.classIndex]!,
    ),
    agree: champion.classIndex === shadow.classIndex,
  }),
};

export class RoutedImageClassifier implements ImageClassifier {
  private constructor(readonly router: ModelRouter<PhotoRow, ImageAnswer, ImageModel>) {}

  /**
   * How to start the router over `models/image/<version>/` (again after a failed start): each
   * version is loaded on first use, proving its test vectors; metrics are registered once.
   */
  static starter(
    config: ReportsConfig['triage'],
    maxInputPixels: number,
    registry: Registry,
    logger: Logger,
    drift: { options: DriftOptions; sink: DriftSink },
    cache?: PredictionCache<CachedScoredImage>,
  ): (initial: Assignment) => Promise<RoutedImageClassifier> {
    const metrics = createInferenceMetrics(registry);
    const batcherMetrics = createBatcherMetrics(registry);
    const load = async (version: string) => {
      const model = await ImageModel.load(path.join(config.modelsDir, 'image', version), {
        metrics,
        batch: config.batch,
        batcherMetrics,
        maxInputPixels,
        cache,
      });
      logger.info({ model: 'image', version, testVectors: model.testVectors }, 'model version loaded');
      const monitor = new DriftMonitor(
        { name: 'image', version, features: driftFeaturesOf(model.metadata) },
        drift.options,
        drift.sink,
        registry,
      );
      return { model, drift: monitor };
    };
    return async (initial) => {
      const router = new ModelRouter(
        definition,
        load,
        // A key is a photo: no last answer to fall back on (there is no fallback at all).
        { canaryAssignment: 'key', fallbackMaxAgeSeconds: 0 },
        logger,
        registry,
      );
      const classifier = new RoutedImageClassifier(router);
      try {
        await classifier.apply(initial, config.modelsDir);
      } catch (err) {
        await router.close();
        throw err;
      }
      return classifier;
    };
  }

  /**
   * Serves an assignment; every version in it loads and proves itself first, and must take the
   * champion's input (photos are prepared once, by the champion's rules), so a bad one changes nothing.
   */
  async apply(assignment: Assignment, modelsDir: string): Promise<void> {
    const resolved = {
      ...assignment,
      champion: await resolveVersion(modelsDir, 'image', assignment.champion),
    };
    const champion = (await this.router.prepare(resolved.champion)).model;
    for (const other of [resolved.canary?.version, resolved.shadow]) {
      if (!other) continue;
      const { model } = await this.router.prepare(other);
      if (!model.takesInputOf(champion)) {
        throw new Error(`image ${other} takes another input than the champion ${resolved.champion}`);
      }
    }
    await this.router.apply(resolved);
  }

  async classify(image: Buffer): Promise<Classification> {
    const photo = await this.router.champion.prepare(image);
    const key = createHash('sha256')
      .update(new Uint8Array(photo.tensor.buffer, photo.tensor.byteOffset, photo.tensor.byteLength))
      .digest('hex')
      .slice(0, 32);
    const brightness = brightnessOf(photo.tensor, this.router.champion.metadata.input);
    const [answer] = await this.router.score([
      { key, tensor: photo.tensor, width: photo.width, height: photo.height, brightness },
    ]);
    const { model } = await this.router.prepare(answer!.version);
    const scored = answer!.output.scored;
    return applyGate(await model.finish(photo, scored), model.metadata, scored.logits);
  }

  close(): Promise<void> {
    return this.router.close();
  }
}

/** The mean pixel value in [0, 1] of a prepared (normalised, CHW) photo. */
export function brightnessOf(tensor: Float32Array, input: { mean: number[]; std: number[] }): number {
  const channels = input.mean.length;
  const plane = tensor.length / channels;
  let sum = 0;
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let i = c * plane; i < (c + 1) * plane; i++) s += tensor[i]!;
    sum += (s / plane) * input.std[c]! + input.mean[c]!;
  }
  return sum / channels;
}

/** What the image drift monitor watches, with the references training wrote (metadata `reference`). */
function driftFeaturesOf(metadata: ImageModelMetadata): FeatureSpec[] {
  const reference = metadata['reference'] as
    Record<string, { bins?: number[]; counts?: number[] } | undefined> | undefined;
  const histogram = (name: string) => {
    const r = reference?.[name];
    return r?.bins && r.counts ? { bins: r.bins, counts: r.counts } : undefined;
  };
  return [
    {
      name: 'brightness',
      description: 'mean pixel value of the photo in [0, 1]',
      reference: histogram('brightness'),
    },
    { name: 'confidence', description: 'top-class probability', reference: histogram('confidence') },
  ];
}
