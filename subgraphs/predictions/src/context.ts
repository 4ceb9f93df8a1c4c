import type { Database } from '@cityassist/db';
import type { BaseContext } from '@cityassist/service-kit';
import type { OpenFeatureStore } from './features/feature-store.ts';
import type { Served } from './models/model.ts';
import type { Routable } from './models/serve.ts';
import type { DegradedAnswer } from './plugins/degraded-answers.plugin.ts';
import type { ModelRegistry } from './registry/model-registry.ts';

export interface PredictionsContext extends BaseContext {
  /** Every served model by name: its router and inputs (reached through `<model>.served(ctx)`). */
  models: ReadonlyMap<string, Served<unknown, unknown, unknown>>;
  /** This request's loaders, per model, made on first use (`<model>.scope(ctx)`). */
  scopes: Map<string, unknown>;
  /** All zones of a request in one model call (false: zone by zone, for benchmarks). */
  batching: boolean;
  registry: ModelRegistry;
  /** The service's database (retrainingRuns reads predictions.retraining_run). */
  db: Database;
  /** Models whose versions `models` lists: the served ones, and those other services serve. */
  listedModels: readonly string[];
  /** The models another service serves, whose versions this registry keeps. */
  remote: ReadonlyMap<string, Routable>;
  /** training's file-based experiment log. */
  experimentsFile: string;
  /** The feature store's catalog and what a pipeline run needs (features/). */
  featureStore: OpenFeatureStore;
  /** Fields answered from a fallback in this request (reported in `errors`). */
  degraded: DegradedAnswer[];
}
