export { etlSettings, etlOf, settingNameOf, type EtlConfig, type OfflineLocation } from './config.ts';
export { openOfflineStore, sweepOfflineStore } from './offline.ts';
export { runPipeline, type RunnerDeps, type RunRequest, type RunSummary, type RunOutcome } from './runner.ts';
export { loadStartSources, pollInbox } from './embedded.ts';
export { inboxFiles, pendingRuns, settle, SETTLE_MS } from './inbox.ts';
export { EtlError, ETL_ERRORS, type EtlErrorCode } from './errors.ts';
export type { Pipeline, PipelineContext, LocalSource, ViewOutput } from './pipeline.ts';
export { pipelines, pipelineOf } from '../pipelines/index.ts';
export { createEtlMetrics, type EtlMetrics } from './metrics.ts';
