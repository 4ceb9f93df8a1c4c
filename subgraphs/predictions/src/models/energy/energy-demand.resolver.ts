import type { Explanation } from '@cityassist/inference';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Directive, FieldResolver, Float, Info, Int, Resolver, Root } from 'type-graphql';
import type { PredictionsContext } from '../../context.ts';
import { errors } from '../../errors.ts';
import { noteIfDegraded } from '../../plugins/degraded-answers.plugin.ts';
import { Zone } from '../../zone/zone.type.ts';
import { FeatureContribution } from '../answer.type.ts';
import { assertTop, MAX_TOP, topContributions } from '../explain.ts';
import { FeatureInput, featureInputsOf } from '../../features/feature-input.type.ts';
import { EnergyDemand } from './energy-demand.type.ts';
import { energyModel, energyVersionOf } from './energy.model.ts';

@Resolver(() => Zone)
export class ZoneEnergyResolver {
  // Like floodRisk: a share of one model call per zone.
  @Directive('@cost(weight: 5)')
  @FieldResolver(() => EnergyDemand, {
    nullable: true,
    description:
      "Electricity demand forecast of the zone for the next hours, from its newest load readings (or those at or before `at`); null with FORECAST_UNAVAILABLE when there are no or too few recent load readings of it.",
  })
  async energyDemand(
    @Root() zone: Zone,
    @Ctx() ctx: PredictionsContext,
    @Info() info: GraphQLResolveInfo,
    @Arg('hours', () => Int, { defaultValue: 24, description: 'Hourly steps, 1–24.' }) hours: number,
    @Arg('at', () => Date, {
      nullable: true,
      description: 'Forecast from the readings at or before this time (nothing later is read). Default: the newest.',
    })
    at?: Date | null,
  ): Promise<EnergyDemand> {
    const { horizons } = energyVersionOf(energyModel.served(ctx).router.champion).spec;
    if (!Number.isInteger(hours) || hours < 1 || hours > horizons) {
      throw errors.BAD_USER_INPUT(`hours must be between 1 and ${horizons}`, { argument: 'hours' });
    }
    const demand = await energyModel.scope(ctx).energyDemand(at ?? undefined).load(zone.id);
    return noteIfDegraded(ctx, info, { ...demand, points: demand.points.slice(0, hours) }, 'energy-demand forecast');
  }
}

/** The trees explain a ratio to the recent level; times the level, each share is in kW. */
function inUnits(explanation: Explanation | undefined, level: number): Explanation | undefined {
  if (!explanation) return undefined;
  return {
    baseValue: explanation.baseValue * level,
    contributions: explanation.contributions.map((c) => ({ ...c, contribution: c.contribution * level })),
  };
}

/** What the energy model reads of each hour of a zone's window. */
const WINDOW_FEATURES = ['load_kw', 'temp_c'] as const;

@Resolver(() => EnergyDemand)
export class EnergyDemandResolver {
  // Two per hour of the window (168 hours for the served model): far above the gateway's assumed 50.
  @Directive('@listSize(assumedSize: 336)')
  @FieldResolver(() => [FeatureInput], {
    description:
      "What the forecast read from the feature store (zone_energy_hourly): each hour of the zone's window up to asOf, oldest first, its load_kw and temp_c, with the dataset version and files each came from. An hour the store has no row for is not listed (the model read it as missing).",
  })
  async inputs(@Root() demand: EnergyDemand, @Ctx() ctx: PredictionsContext): Promise<FeatureInput[]> {
    return featureInputsOf(demand.window.rows, WINDOW_FEATURES, energyModel.scope(ctx).lineage);
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description:
      "The trees' expected output for the first step over their training data, times the zone's recent level (kW): the explanation starts here. Null when degraded.",
  })
  async baseValue(@Root() demand: EnergyDemand, @Ctx() ctx: PredictionsContext): Promise<number | null> {
    if (demand.degraded) return null;
    return inUnits(await energyModel.scope(ctx).explanations.load(demand.answer), demand.level)?.baseValue ?? null;
  }

  @Directive('@listSize(slicingArguments: ["top"], requireOneSlicingArgument: false)')
  @FieldResolver(() => [FeatureContribution], {
    description:
      "Why the first step (next hour) is what it is: exact TreeSHAP from the served ONNX file, largest |contribution| first, in kW. The trees forecast the change from the same hour last week (else yesterday), so points[0].value = that hour's load + baseValue + Σ contributions (when positive). Empty when degraded.",
  })
  async explain(
    @Root() demand: EnergyDemand,
    @Ctx() ctx: PredictionsContext,
    @Arg('top', () => Int, { defaultValue: 5, description: `How many, 1–${MAX_TOP}.` }) top: number,
  ): Promise<FeatureContribution[]> {
    assertTop(top);
    if (demand.degraded) return [];
    return topContributions(inUnits(await energyModel.scope(ctx).explanations.load(demand.answer), demand.level), top);
  }
}
