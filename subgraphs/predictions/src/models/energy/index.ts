import type { ModelEntry } from '../model.ts';
import { EnergyDemandResolver, ZoneEnergyResolver } from './energy-demand.resolver.ts';
import { energyModel } from './energy.model.ts';

export const energy: ModelEntry = {
  model: energyModel,
  resolvers: [ZoneEnergyResolver, EnergyDemandResolver],
};
