import { Arg, Ctx, Directive, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { PredictionsContext } from '../context.ts';
import type { Routable } from '../models/serve.ts';
import { errors } from '../errors.ts';
import type { Assignment } from '@cityassist/inference';
import {
  Model,
  ModelAssignment,
  ModelAuditEntry,
  ModelStatusKind,
  ModelVersion,
  PromoteModelInput,
} from './model.type.ts';

const MAX_REASON = 500;

function assignmentOf(name: string, a: Assignment, changedBy: string): ModelAssignment {
  return {
    name,
    champion: a.champion,
    canary: a.canary?.version ?? null,
    canaryShare: a.canary?.share ?? null,
    shadow: a.shadow ?? null,
    changedBy,
  };
}

@Resolver(() => ModelVersion)
export class ModelVersionResolver {
  @FieldResolver(() => String, { nullable: true, description: 'MODEL_CARD.md (Markdown), or null.' })
  card(@Root() v: ModelVersion, @Ctx() ctx: PredictionsContext): Promise<string | null> {
    return ctx.registry.card(v.name, v.version);
  }
}

@Resolver()
export class ModelResolver {
  @Query(() => [Model], { description: 'The models this service serves, with every version and its status.' })
  async models(@Ctx() ctx: PredictionsContext): Promise<Model[]> {
    return Promise.all(
      ctx.listedModels.map(async (name) => ({
        name,
        versions: (await ctx.registry.versions(name)).map((v) => ({
          name,
          version: v.version,
          createdAt: new Date(v.metadata.createdAt ?? 0),
          status: v.status as ModelStatusKind,
          metrics: v.metadata['metrics'] ?? null,
          canaryShare: v.canaryShare,
        })),
      })),
    );
  }

  @Query(() => ModelAssignment, {
    description:
      'Which versions of a model serve now, as the registry holds them: what every replica (and, for the image model, the reports service) applies. MODEL_NOT_FOUND for a model not listed by `models`.',
  })
  async modelAssignment(
    @Ctx() ctx: PredictionsContext,
    @Arg('name', () => String) name: string,
  ): Promise<ModelAssignment> {
    if (!ctx.listedModels.includes(name)) throw errors.MODEL_NOT_FOUND(`no model ${name}`);
    const [last] = await ctx.registry.audit(name, 1);
    return assignmentOf(name, await ctx.registry.assignment(name), last?.actor ?? 'config');
  }

  @Query(() => [ModelAuditEntry], { description: "A model's status changes, newest first." })
  async modelAudit(
    @Ctx() ctx: PredictionsContext,
    @Arg('name', () => String) name: string,
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many, 1–200.' }) first: number,
  ): Promise<ModelAuditEntry[]> {
    if (first < 1 || first > 200) {
      throw errors.BAD_USER_INPUT('first must be between 1 and 200', { argument: 'first' });
    }
    return (await ctx.registry.audit(name, first)).map((e) => ({
      ...e,
      fromStatus: e.fromStatus as ModelStatusKind,
      toStatus: e.toStatus as ModelStatusKind,
    }));
  }

  @Directive('@requiresScopes(scopes: [["models:admin"]])')
  @Mutation(() => ModelAssignment, {
    description:
      'Makes a version CHAMPION, CANARY (with a share), SHADOW or RETIRED; the version it displaces is retired. The version is loaded and checked against its test vectors before anything changes. Recorded with who and when. Needs scope models:admin.',
  })
  async promoteModel(
    @Ctx() ctx: PredictionsContext,
    @Arg('input', () => PromoteModelInput) input: PromoteModelInput,
  ): Promise<ModelAssignment> {
    const actor = this.actorOf(ctx);
    const reason = this.reasonOf(input.reason);
    if (input.status !== ModelStatusKind.CANARY && input.canaryShare != null) {
      throw errors.BAD_USER_INPUT('canaryShare is only for CANARY', { argument: 'input.canaryShare' });
    }
    const router = this.routerOf(ctx, input.name);
    await ctx.registry.assertExists(input.name, input.version);
    if (input.status !== ModelStatusKind.RETIRED) {
      ctx.registry.assertServable(input.name, input.version);
      await this.prepare(router, input.version);
    }
    const assignment = await ctx.registry.change(input.name, input.version, input.status, {
      actor,
      share: input.canaryShare ?? undefined,
      reason,
    });
    await router.apply(assignment);
    ctx.logger.info(
      { model: input.name, version: input.version, status: input.status, actor },
      'model status changed',
    );
    return assignmentOf(input.name, assignment, actor);
  }

  @Directive('@requiresScopes(scopes: [["models:admin"]])')
  @Mutation(() => ModelAssignment, {
    description:
      'Makes the previous champion champion again and retires the current one. Needs scope models:admin.',
  })
  async rollbackModel(
    @Ctx() ctx: PredictionsContext,
    @Arg('name', () => String) name: string,
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
  ): Promise<ModelAssignment> {
    const actor = this.actorOf(ctx);
    const router = this.routerOf(ctx, name);
    const { champion } = await ctx.registry.assignment(name);
    const previous = await ctx.registry.previousChampion(name);
    // Loaded and checked before the switch: a rollback to a version that cannot serve changes nothing.
    await this.prepare(router, previous);
    const assignment = await ctx.registry.change(name, previous, ModelStatusKind.CHAMPION, {
      actor,
      action: 'rollback',
      reason: this.reasonOf(reason),
    });
    await router.apply(assignment);
    ctx.logger.info({ model: name, from: champion, to: previous, actor }, 'model rolled back');
    return assignmentOf(name, assignment, actor);
  }

  /** Loads and checks a version before any status changes: one that cannot serve changes nothing. */
  private async prepare(router: Routable, version: string): Promise<void> {
    try {
      await router.prepare(version);
    } catch (err) {
      throw errors.MODEL_LOAD_FAILED(`${router.name} ${version} could not be loaded or failed its checks`, {
        cause: err instanceof Error ? err.message : String(err),
      });
    }
  }

  private actorOf(ctx: PredictionsContext): string {
    // The gateway enforces the scope; without a principal the call came from a trusted test or dev tool.
    return ctx.principal?.id ?? 'anonymous';
  }

  /** The model a mutation changes: served here (its router) or by another service (proved here). */
  private routerOf(ctx: PredictionsContext, name: string): Routable {
    const routable = ctx.models.get(name)?.router ?? ctx.remote.get(name);
    if (!routable) throw errors.MODEL_NOT_FOUND(`this service serves no model ${name}`);
    return routable;
  }

  private reasonOf(reason: string | null | undefined): string | undefined {
    if (reason == null) return undefined;
    if (reason.length > MAX_REASON) {
      throw errors.BAD_USER_INPUT(`reason is at most ${MAX_REASON} characters`, { argument: 'reason' });
    }
    return reason;
  }
}
