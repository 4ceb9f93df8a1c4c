import path from 'node:path';
import {
  createBatcherMetrics,
  createInferenceMetrics,
  ImageModel,
  resolveVersion,
} from '@cityassist/inference';
import type { ServiceMetrics } from '@cityassist/service-kit';
import type { ReportsConfig } from '../config.ts';
import type { ImageClassifier } from './image-classifier.ts';

/** Returns the loader of the configured image model (models/image/<version>/), batched across requests. */
export function imageModelLoader(
  config: ReportsConfig['triage'],
  maxInputPixels: number,
  registry: ServiceMetrics['registry'],
): () => Promise<ImageClassifier> {
  // Metrics are registered once: a second load (after a failed one) reuses them.
  const metrics = createInferenceMetrics(registry);
  const batcherMetrics = createBatcherMetrics(registry);
  return async () => {
    const version = await resolveVersion(config.modelsDir, 'image', config.modelVersion);
    return ImageModel.load(path.join(config.modelsDir, 'image', version), {
      metrics,
      batch: config.batch,
      batcherMetrics,
      maxInputPixels,
    });
  };
}
