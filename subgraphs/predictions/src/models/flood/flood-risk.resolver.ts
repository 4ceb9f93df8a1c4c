import type { GraphQLResolveInfo } from 'graphql';
import { FeatureInput } from '../../features/feature-input.type.ts';
import { Arg, Ctx, Directive, FieldResolver, Float, Info, Int, Resolver, Root } from 'type-graphql';
import type { PredictionsContext } from '../../context.ts';
import { noteIfDegraded } from '../../plugins/degraded-answers.plugin.ts';
import { Zone } from '../../zone/zone.type.ts';
import { FeatureContribution } from '../answer.type.ts';
import { assertTop, MAX_TOP, topContributions } from '../explain.ts';
import { floodModel } from './flood.model.ts';
import { FloodRisk } from './flood-risk.type.ts';

@Resolver(() => Zone)
export class ZoneFloodResolver {
  // Demand control: a model input row and a share of one inference call, so weigh it above a column.
  @Directive('@cost(weight: 5)')
  @FieldResolver(() => FloodRisk, {
    nullable: true,
    description:
      "Flood risk from the zone's features (the newest, or as of `at`); null with an error when it cannot be computed.",
  })
  async floodRisk(
    @Root() zone: Zone,
    @Ctx() ctx: PredictionsContext,
    @Info() info: GraphQLResolveInfo,
    @Arg('at', () => Date, {
      nullable: true,
      description: 'From the features as of this time. Default: the newest.',
    })
    at?: Date | null,
  ): Promise<FloodRisk> {
    const risk = await floodModel.scope(ctx).floodRisk(at ?? undefined).load(zone.id);
    return noteIfDegraded(ctx, info, risk, 'flood risk');
  }
}

@Resolver(() => FloodRisk)
export class FloodRiskResolver {
  @FieldResolver(() => Float, {
    description: "The model's expected log-odds over its training data: the explanations start from here.",
  })
  async baseValue(@Root() risk: FloodRisk, @Ctx() ctx: PredictionsContext): Promise<number> {
    const explanation = await floodModel.scope(ctx).explanations.load(risk.answer);
    // A baseline has no trees to explain it: its whole log-odds is the base.
    return explanation?.baseValue ?? logit(risk.probability);
  }

  @FieldResolver(() => [FeatureInput], {
    description:
      "What the model read, in its feature order, each value with its time and the dataset version and files it came from.",
  })
  async inputs(@Root() risk: FloodRisk, @Ctx() ctx: PredictionsContext): Promise<FeatureInput[]> {
    const { router } = floodModel.served(ctx);
    const { features } = risk;
    const source = await floodModel.scope(ctx).lineage.load(features.datasetVersion);
    return router.champion.featureNames.map((feature) => {
      const value = features.values[feature];
      return {
        feature,
        value: typeof value === 'number' ? value : null,
        asOf: features.asOf,
        datasetVersion: features.datasetVersion,
        source,
      };
    });
  }

  @FieldResolver(() => [FeatureContribution], {
    description:
      'The features that moved this prediction most, by absolute TreeSHAP contribution (exact, from the served ONNX file).',
  })
  async explain(
    @Root() risk: FloodRisk,
    @Ctx() ctx: PredictionsContext,
    @Arg('top', () => Int, { defaultValue: 5, description: `How many, 1–${MAX_TOP}.` }) top: number,
  ): Promise<FeatureContribution[]> {
    assertTop(top);
    return topContributions(await floodModel.scope(ctx).explanations.load(risk.answer), top);
  }
}

function logit(p: number): number {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  return Math.log(q / (1 - q));
}
