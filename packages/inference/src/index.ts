export type { FeatureSpec, ModelMetadata } from './metadata.ts';
export {
  compareVersions,
  isCandidateVersion,
  isServedVersion,
  listVersions,
  readMetadata,
  resolveVersion,
} from './registry.ts';
export { createInferenceMetrics, OnnxModel, type InferenceMetrics, type ModelBackend } from './session.ts';
export { Batcher, createBatcherMetrics, type BatcherMetrics, type BatcherOptions } from './batcher.ts';
export {
  ImageModel,
  type ScoredImage,
  type CachedScoredImage,
  type ImageClassification,
  type ImageModelOptions,
  type ImageModelOutputs,
  type ImageRegion,
} from './image-model.ts';
export { ImageInputError } from './image-preprocess.ts';
export { softmax } from './image-explain.ts';
export type { ImageModelMetadata } from './image-metadata.ts';
export { inputRowId, withTimeout } from './deadline.ts';
export {
  ServedModel,
  type CachedExplanation,
  type Explanation,
  type Prediction,
  type RawOutputs,
  type ServedModelOptions,
} from './serving/served-model.ts';
export {
  bucketOf,
  ModelRouter,
  type Answer,
  type Assignment,
  type LoadedVersion,
  type RawOf,
  type Servable,
  type ModelDefinition,
  type RouterLogger,
  type RouterOptions,
  type ShadowAgreement,
} from './serving/router.ts';
export {
  DriftMonitor,
  type DriftEvent,
  type DriftLevel,
  type DriftOptions,
  type DriftSink,
  type FeatureDrift,
  type InputMonitor,
  type MonitoredRow,
  type StatisticState,
  type WindowStatistic,
  type WindowSummary,
} from './serving/drift-monitor.ts';
export {
  fingerprintOf,
  Hysteresis,
  parseDriftReference,
  WindowDriftMonitor,
  windowOf,
  windowStatistics,
  type DriftReference,
} from './serving/drift-window.ts';
export { psi } from './serving/psi.ts';
export {
  createCacheMetrics,
  createPredictionCache,
  type CacheMetrics,
  type PredictionCache,
} from './serving/prediction-cache.ts';
export { verifyTestVectors } from './serving/test-vectors.ts';
export {
  assertMetadataContract,
  assertTestVectorsContract,
  CONTRACTS_DIR,
  ContractError,
} from './serving/contract.ts';
