import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DriftMonitor,
  parseDriftReference,
  WindowDriftMonitor,
  type InputMonitor,
  ModelRouter,
  ServedModel,
  type BatcherMetrics,
  type CachedExplanation,
  type InferenceMetrics,
  type Assignment,
  type LoadedVersion,
  type PredictionCache,
  type RawOutputs,
} from '@cityassist/inference';
import { createDriftSink } from '../drift/drift-sink.ts';
import { MODEL_CHANGED } from '@cityassist/events';
import type { ModelRegistry, ModelSettings } from '../registry/model-registry.ts';
import type { AnyModel, ModelDeps, Served } from './model.ts';

/** What serving any model shares: one set of caches and metrics, the registry. */
export interface ServingDeps extends ModelDeps {
  registry: ModelRegistry;
  cache: PredictionCache<RawOutputs>;
  explanationCache: PredictionCache<CachedExplanation>;
  inferenceMetrics: InferenceMetrics;
  batcherMetrics: BatcherMetrics;
}

/**
 * What the registry's mutations need of a model, served here (its ModelRouter) or elsewhere: load
 * and prove a version before its status changes, then serve the new assignment.
 */
export interface Routable {
  readonly name: string;
  prepare(version: string): Promise<unknown>;
  apply(assignment: Assignment): Promise<void>;
}

/**
 * A model another service serves: its settings are applied to the registry at start, a version is
 * proved (`verify`) before its status changes, and the serving service follows the registry
 * (MODEL_CHANGED, `modelAssignment`) — nothing is served here.
 */
export async function registerRemote(
  remote: { name: string; verify(modelsDir: string, version: string): Promise<void> },
  settings: ModelSettings,
  deps: Pick<ServingDeps, 'config' | 'registry' | 'logger'>,
): Promise<Routable> {
  await deps.registry.applySettings(remote.name, settings);
  const proved = new Map<string, Promise<void>>();
  return {
    name: remote.name,
    prepare(version) {
      let p = proved.get(version);
      if (!p) {
        p = remote.verify(deps.config.modelsDir, version);
        proved.set(version, p);
        p.catch(() => proved.delete(version));
      }
      return p;
    },
    apply: () => Promise.resolve(),
  };
}

export interface ServedModels {
  /** By model name, what resolvers reach through `model.served(ctx)`. */
  byName: ReadonlyMap<string, Served<unknown, unknown, unknown>>;
  /** `<name>Model`: the champion's session answers (readiness). */
  readiness: Record<string, () => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Serves every model of the list the same way: a router over its versions, each version loaded
 * from `models/<name>/<version>/` on the configured backend, proven against its test vectors and
 * the model's own checks, watched by a drift monitor; the assignment the registry holds (after the
 * settings are applied), followed when another replica changes it; then the model's inputs.
 */
export async function serveModels(models: readonly AnyModel[], deps: ServingDeps): Promise<ServedModels> {
  const { config, logger, registry } = deps;
  const { inference } = config;
  const sink = createDriftSink(deps.db, deps.events, logger);
  const byName = new Map<string, Served<unknown, unknown, unknown>>();
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    for (const model of models) {
      const routing = model.routing(config);
      const load = async (version: string): Promise<LoadedVersion> => {
        const dir = path.join(config.modelsDir, model.name, version);
        const served = await ServedModel.load(dir, {
          backend: routing.backend ?? inference.backend,
          idPrefix: model.idPrefix,
          outputs: model.outputs,
          batch: inference.batching ? inference.batch : { maxBatchSize: 1, maxWaitMs: 0 },
          timeoutMs: inference.timeoutMs,
          explainThreads: inference.explainThreads,
          explainInlineRows: inference.explainInlineRows,
          metrics: deps.inferenceMetrics,
          batcherMetrics: deps.batcherMetrics,
          cache: deps.cache,
          explanationCache: deps.explanationCache,
        });
        try {
          const checked = (await model.check?.(served)) ?? {};
          const drift = await monitorFor(dir, { name: model.name, version, features: served.features }, config.drift, sink, deps.metrics);
          logger.info(
            { model: model.name, version, testVectors: served.testVectors, ...checked },
            'model version loaded',
          );
          return { model: served, drift };
        } catch (err) {
          await served.close();
          throw err;
        }
      };
      const router = new ModelRouter(
        model,
        load,
        {
          canaryAssignment: routing.canaryAssignment === 'request' ? 'request' : 'key',
          fallbackMaxAgeSeconds: inference.fallbackMaxAgeSeconds,
        },
        logger,
        deps.metrics,
      );
      closers.push(() => router.close());
      // Only the versions are compared with the previous start: a backend or assignment change is
      // not a promotion and must not undo one made through the API.
      const { champion, canary, shadow } = routing;
      await router.apply(await registry.applySettings(model.name, { champion, canary, shadow }));
      const inputs = (await model.inputs(deps, router)) as { close?(): Promise<void> };
      if (inputs.close) closers.push(() => inputs.close!());
      byName.set(model.name, { router, inputs });
    }
    // Another replica changed an assignment: follow it (the database holds the truth).
    const changes = deps.events.pubSub.subscribe(MODEL_CHANGED);
    void (async () => {
      for await (const payload of changes) {
        const name = (payload as { name?: string }).name;
        const served = name ? byName.get(name) : undefined;
        if (!name || !served) continue;
        await registry
          .assignment(name)
          .then((a) => served.router.apply(a))
          .catch((err: unknown) => logger.error({ model: name, err: String(err) }, 'could not apply a model change'));
      }
    })();
    closers.push(async () => {
      await changes.return?.();
    });
  } catch (err) {
    await close();
    throw err;
  }
  const readiness = Object.fromEntries(
    [...byName].map(([name, s]) => [`${name}Model`, () => s.router.champion.ping()]),
  );
  return { byName, readiness, close };
}

/**
 * A version's input monitor: by time window against its `drift_reference.json` when training wrote
 * one (docs/drift.md), else the row-PSI monitor against the metadata histograms.
 */
async function monitorFor(
  dir: string,
  model: ConstructorParameters<typeof DriftMonitor>[0],
  options: ConstructorParameters<typeof DriftMonitor>[1],
  sink: ConstructorParameters<typeof DriftMonitor>[2],
  registry: ConstructorParameters<typeof DriftMonitor>[3],
): Promise<InputMonitor> {
  const file = path.join(dir, 'drift_reference.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return new DriftMonitor(model, options, sink, registry);
  }
  const reference = parseDriftReference(JSON.parse(text), file);
  if (reference.name !== model.name || reference.version !== model.version) {
    throw new Error(`${file} is the reference of ${reference.name} ${reference.version}, not ${model.name} ${model.version}`);
  }
  // The slice minimum training measured for this model (AQI: 9 of its 12 sensors) wins over the
  // service-wide DRIFT_MIN_ROWS, which is sized for the city's 470 zones (docs/drift.md).
  return new WindowDriftMonitor(
    model,
    reference,
    { minRows: reference.window.minRows ?? options.minRows },
    sink,
    registry,
  );
}
