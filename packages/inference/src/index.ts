export type { FeatureSpec, ModelMetadata } from './metadata.ts';
export { compareVersions, listVersions, readMetadata, resolveVersion } from './registry.ts';
export { createInferenceMetrics, OnnxModel, type InferenceMetrics, type ModelBackend } from './session.ts';
export { Batcher, createBatcherMetrics, type BatcherMetrics, type BatcherOptions } from './batcher.ts';
export {
  ImageModel,
  type ImageClassification,
  type ImageModelOptions,
  type ImageModelOutputs,
  type ImageRegion,
} from './image-model.ts';
export { ImageInputError } from './image-preprocess.ts';
export type { ImageModelMetadata } from './image-metadata.ts';
export { inputRowId, withTimeout } from './deadline.ts';
