import type { Logger } from '@cityassist/service-kit';
import type { GateReading } from './ood-gate.ts';

/** What the image model answers for one photo (ImageClassification of @cityassist/inference). */
export interface Classification {
  /** The top class, or `unknown` when the version's gate refused the photo. */
  label: string;
  confidence: number;
  scores: { label: string; score: number }[];
  /** The top class's activation map as an RGBA PNG at the photo's size. */
  heatmapPng: Buffer;
  /** The map's strongest region, in photo pixels. */
  region: { x: number; y: number; width: number; height: number };
  width: number;
  height: number;
  model: { name: string; version: string };
  /** The out-of-distribution gate's reading; absent for a version without a gate (1.0.0). */
  gate?: GateReading;
}

/**
 * The model behind triage: ImageModel in production; tests put a failing one in its place to
 * prove a report survives the model being down.
 */
export interface ImageClassifier {
  classify(image: Buffer): Promise<Classification>;
  close?(): Promise<void>;
}

/**
 * Holds the classifier, or the way to load it when loading failed (model files missing, worker
 * crashed at start): the service starts and accepts reports anyway, and `ensure` tries again on
 * each triage retry.
 */
export class ClassifierSlot {
  private loading: Promise<ImageClassifier | undefined> | undefined;

  constructor(
    private classifier: ImageClassifier | undefined,
    private readonly load: (() => Promise<ImageClassifier>) | undefined,
    private readonly logger: Logger,
  ) {}

  get current(): ImageClassifier | undefined {
    return this.classifier;
  }

  async ensure(): Promise<ImageClassifier | undefined> {
    if (this.classifier || !this.load) return this.classifier;
    this.loading ??= this.load().then(
      (c) => {
        this.classifier = c;
        this.logger.info('image model loaded');
        return c;
      },
      (err: unknown) => {
        this.logger.error({ err }, 'image model could not be loaded; reports stay untriaged');
        return undefined;
      },
    );
    try {
      return await this.loading;
    } finally {
      this.loading = undefined;
    }
  }

  async close(): Promise<void> {
    await this.classifier?.close?.();
    this.classifier = undefined;
  }
}
