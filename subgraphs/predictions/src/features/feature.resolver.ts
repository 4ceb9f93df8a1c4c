import { isZoneId } from '@cityassist/geo';
import { Arg, Ctx, Directive, Field, Float, ID, InputType, Mutation, Resolver } from 'type-graphql';
import type { PredictionsContext } from '../context.ts';
import { errors } from '../errors.ts';
import { FloodRisk } from '../flood/flood-risk.type.ts';

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

@Resolver()
export class FeatureResolver {
  @Directive('@requiresScopes(scopes: [["features:write"]])')
  @Mutation(() => FloodRisk, {
    description:
      'Records new feature values for a zone (a sensor push or an ETL step), re-scores it and raises a flood alert when its level changes. Needs scope features:write.',
  })
  async ingestZoneFeatures(
    @Ctx() ctx: PredictionsContext,
    @Arg('input', () => ZoneFeaturesInput) input: ZoneFeaturesInput,
  ): Promise<FloodRisk> {
    if (!isZoneId(input.zoneId)) {
      throw errors.BAD_USER_INPUT('zoneId is malformed', { argument: 'input.zoneId' });
    }
    if (input.asOf.getTime() > Date.now() + MAX_CLOCK_SKEW_MS) {
      throw errors.BAD_USER_INPUT('asOf is in the future', { argument: 'input.asOf' });
    }
    const specs = new Map(ctx.flood.onnx.metadata.features.map((f) => [f.name, f]));
    const values: Record<string, number | null> = {};
    for (const { name, value } of input.features) {
      const spec = specs.get(name);
      if (!spec) {
        throw errors.BAD_USER_INPUT(
          `unknown feature ${name}; the model takes ${[...specs.keys()].join(', ')}`,
          { argument: 'input.features' },
        );
      }
      if (
        value !== null &&
        (!Number.isFinite(value) ||
          (spec.min !== undefined && value < spec.min) ||
          (spec.max !== undefined && value > spec.max))
      ) {
        throw errors.MODEL_INPUT_INVALID(
          `${name}=${value} is outside its valid range [${spec.min}, ${spec.max}]`,
          { feature: name },
        );
      }
      values[name] = value;
    }
    const previous = (await ctx.store.latest([input.zoneId])).get(input.zoneId);
    if (!previous) {
      throw errors.FEATURES_UNAVAILABLE(`no features for zone ${input.zoneId} to update`, {
        zoneId: input.zoneId,
      });
    }
    await ctx.store.write(input.zoneId, input.asOf, { ...previous.values, ...values }, 'api');
    const { scored } = await ctx.alerter.rescore([input.zoneId]);
    ctx.logger.info({ zoneId: input.zoneId, features: Object.keys(values) }, 'features ingested');
    return scored.get(input.zoneId)!;
  }
}
