import type { Database } from '@cityassist/db';
import type { EventBus } from '@cityassist/events';
import type {
  Answer,
  Explanation,
  ModelDefinition,
  ModelRouter,
  ServedModel,
} from '@cityassist/inference';
import type { Logger } from '@cityassist/service-kit';
import DataLoader from 'dataloader';
import type { NonEmptyArray } from 'type-graphql';
import type { Registry } from 'prom-client';
import type { PredictionsConfig } from '../config.ts';
import type { PredictionsContext } from '../context.ts';
import type { ModelSettings } from '../registry/model-registry.ts';

/** Which versions of a model serve by setting, and how its canary is assigned. */
export interface Routing extends ModelSettings {
  /** `zone`: a zone (its key) always meets the same version; `request`: a whole request does. */
  canaryAssignment: 'zone' | 'request';
  /** Where this model's sessions run; unset = the service's MODEL_BACKEND. */
  backend?: 'worker' | 'inline' | undefined;
}

/** What a model's inputs are made from at start. */
export interface ModelDeps {
  config: PredictionsConfig;
  db: Database;
  events: EventBus;
  logger: Logger;
  metrics: Registry;
}

/** A model as it serves: its router (versions, fallbacks, drift) and its inputs (feature reader). */
export interface Served<Row, Out, Inputs> {
  router: ModelRouter<Row, Out>;
  inputs: Inputs;
}

/** What every request gets for every model: its explanations, one TreeSHAP pass per version. */
export interface RequestScope {
  explanations: DataLoader<Answer<unknown>, Explanation | undefined, string>;
}

/**
 * Everything that is particular to one model, and nothing else: how its rows become input rows
 * and answers (the router's definition), which outputs it reads, its settings, its extra load-time
 * checks, its feature reader, and the loaders its GraphQL fields use. Routing, fallbacks, caches,
 * drift, test vectors, the registry and metrics come from the machinery (serve.ts).
 */
export interface ModelSpec<Row, Out, Inputs, Scope> extends ModelDefinition<Row, Out> {
  /** The output tensors answers are made from. */
  outputs: readonly string[];
  routing(config: PredictionsConfig): Routing;
  /**
   * Checks of a loaded version beyond its test vectors (its metadata, worked feature examples);
   * throws to refuse the version. Returns what it checked, for the load log.
   */
  check?(model: ServedModel): Promise<Record<string, number>> | Record<string, number>;
  /**
   * Its feature reader and what else serving it needs (snapshots seeded, schedules started),
   * made once at start, after the router serves its first assignment.
   */
  inputs(deps: ModelDeps, router: ModelRouter<Row, Out>): Promise<Inputs & { close?(): Promise<void> }>;
  /** The loaders its fields use in one request (DataLoader: N zones, one pass). */
  perRequest(served: Served<Row, Out, Inputs>, request: { requestId: string; batching: boolean }): Scope;
}

/** A model spec with the accessors its resolvers reach it through. */
export interface ModelModule<Row, Out, Inputs, Scope> extends ModelSpec<Row, Out, Inputs, Scope> {
  /** The model as served to this request's service. */
  served(ctx: PredictionsContext): Served<Row, Out, Inputs>;
  /** This request's loaders for the model, made on first use. */
  scope(ctx: PredictionsContext): Scope & RequestScope;
}

/** Any model, as the service's list holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = ModelModule<any, any, any, any>;

/** A model and the type-graphql resolvers of its fields: one entry of models/index.ts. */
export interface ModelEntry {
  model: AnyModel;
  resolvers: NonEmptyArray<ResolverClass>;
}

/** A type-graphql resolver class, as buildSchema takes them. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type ResolverClass = Function;

export function defineModel<Row, Out, Inputs, Scope>(
  spec: ModelSpec<Row, Out, Inputs, Scope>,
): ModelModule<Row, Out, Inputs, Scope> {
  const served = (ctx: PredictionsContext) => {
    const s = ctx.models.get(spec.name);
    if (!s) throw new Error(`model ${spec.name} is not served by this service`);
    return s as Served<Row, Out, Inputs>;
  };
  return {
    ...spec,
    served,
    scope(ctx) {
      let scope = ctx.scopes.get(spec.name) as (Scope & RequestScope) | undefined;
      if (!scope) {
        const s = served(ctx);
        const explanations = new DataLoader<Answer<unknown>, Explanation | undefined, string>(
          (answers) => s.router.explain(answers as Answer<Out>[]),
          { cacheKeyFn: (a) => `${a.version}:${a.id}` },
        );
        scope = {
          ...spec.perRequest(s, { requestId: ctx.requestId, batching: ctx.batching }),
          explanations,
        };
        ctx.scopes.set(spec.name, scope);
      }
      return scope;
    },
  };
}

/** A value computed once per loaded version (its parsed metadata), forgotten with the version. */
export function perVersion<T>(compute: (model: ServedModel) => T): (model: ServedModel) => T {
  const memo = new WeakMap<ServedModel, T>();
  return (model) => {
    let v = memo.get(model);
    if (v === undefined) {
      v = compute(model);
      memo.set(model, v);
    }
    return v;
  };
}
