import { isZoneId } from '@cityassist/geo';
import { zoneFloodFeatures } from '@cityassist/feature-store';
import type { GraphQLResolveInfo } from 'graphql';
import {
  Arg,
  Ctx,
  Directive,
  Field,
  Float,
  ID,
  Info,
  InputType,
  Mutation,
  Query,
  Resolver,
} from 'type-graphql';
import type { PredictionsContext } from '../../../context.ts';
import { errors } from '../../../errors.ts';
import { FloodRisk } from '../flood-risk.type.ts';
import { noteIfDegraded } from '../../../plugins/degraded-answers.plugin.ts';
import { floodModel } from '../flood.model.ts';
import { scoreZones } from '../flood-risk.loader.ts';
import { validateFeatureValues } from './feature-values.ts';

@InputType()
export class FeatureValueInput {
  @Field(() => String)
  name!: string;

  @Field(() => Float, { nullable: true, description: 'null = missing (the model routes it).' })
  value!: number | null;
}

@InputType()
export class ZoneFeaturesInput {
  @Field(() => ID)
  zoneId!: string;

  @Field(() => Date, { description: 'When the values were observed.' })
  asOf!: Date;

  @Field(() => [FeatureValueInput], {
    description: "Values by the flood model's feature names; others keep their last value.",
  })
  features!: FeatureValueInput[];
}

/** How far in the future an observation may claim to be (clock skew), in ms. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** Every feature the zone_flood_features view stores, whichever version reads it. */
const STORED_FEATURES = zoneFloodFeatures.features.map((f) => f.name);

@Resolver()
export class FeatureResolver {
  @Directive('@requiresScopes(scopes: [["features:write"]])')
  @Mutation(() => FloodRisk, {
    description:
      'Records new feature values for a zone (a sensor push or an ETL step), re-scores it and raises a flood alert when its level changes. Needs scope features:write.',
  })
  async ingestZoneFeatures(
    @Ctx() ctx: PredictionsContext,
    @Info() info: GraphQLResolveInfo,
    @Arg('input', () => ZoneFeaturesInput) input: ZoneFeaturesInput,
  ): Promise<FloodRisk> {
    if (!isZoneId(input.zoneId)) {
      throw errors.BAD_USER_INPUT('zoneId is malformed', { argument: 'input.zoneId' });
    }
    if (input.asOf.getTime() > Date.now() + MAX_CLOCK_SKEW_MS) {
      throw errors.BAD_USER_INPUT('asOf is in the future', { argument: 'input.asOf' });
    }
    const { router, inputs } = floodModel.served(ctx);
    const values = validateFeatureValues(router.champion.features, input.features, STORED_FEATURES);
    const previous = (await inputs.store.latest([input.zoneId])).get(input.zoneId);
    if (!previous) {
      throw errors.FEATURES_UNAVAILABLE(`no features for zone ${input.zoneId} to update`, {
        zoneId: input.zoneId,
      });
    }
    // Lineage of a pushed row: who pushed it (the gateway forwards hashed ids only).
    await inputs.store.write(input.zoneId, input.asOf, { ...previous.values, ...values }, `api:${ctx.principal?.id ?? 'anonymous'}`);
    const { answers } = await inputs.alerter.rescore([input.zoneId]);
    ctx.logger.info({ zoneId: input.zoneId, features: Object.keys(values) }, 'features ingested');
    return noteIfDegraded(ctx, info, answers.get(input.zoneId)!, 'flood risk');
  }
}

@InputType()
export class FloodPredictionInput {
  @Field(() => ID)
  zoneId!: string;

  @Field(() => Date, {
    nullable: true,
    description: "Use the zone's stored features as of this time. Default: the newest.",
  })
  at?: Date | null;

  @Field(() => [FeatureValueInput], {
    nullable: true,
    description: 'Values that replace the stored ones for this prediction only (what-if). Nothing is stored.',
  })
  features?: FeatureValueInput[] | null;
}

@Resolver()
export class FloodPredictionResolver {
  @Query(() => FloodRisk, {
    description:
      'A flood prediction for a zone from its stored features as of a time, optionally with some values replaced (what-if). Backs the REST contract POST /api/v1/predict/flood.',
  })
  async floodPrediction(
    @Ctx() ctx: PredictionsContext,
    @Info() info: GraphQLResolveInfo,
    @Arg('input', () => FloodPredictionInput) input: FloodPredictionInput,
  ): Promise<FloodRisk> {
    if (!isZoneId(input.zoneId)) {
      throw errors.BAD_USER_INPUT('zoneId is malformed', { argument: 'input.zoneId' });
    }
    const { router, inputs } = floodModel.served(ctx);
    const overrides = validateFeatureValues(router.champion.features, input.features ?? [], STORED_FEATURES);
    const stored = (await inputs.store.latest([input.zoneId], input.at ?? undefined)).get(input.zoneId);
    if (!stored) {
      throw errors.FEATURES_UNAVAILABLE(
        `no features for zone ${input.zoneId}${input.at ? ` at ${input.at.toISOString()}` : ''}`,
        {
          zoneId: input.zoneId,
        },
      );
    }
    const row = { ...stored, values: { ...stored.values, ...overrides }, whatIf: Object.keys(overrides).length > 0 };
    const [risk] = await scoreZones(router, [row], {
      requestId: ctx.requestId,
    });
    return noteIfDegraded(ctx, info, risk!, 'flood risk');
  }
}
