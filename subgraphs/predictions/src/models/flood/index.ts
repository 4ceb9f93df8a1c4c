import type { ModelEntry } from '../model.ts';
import { FloodAlertResolver } from './alerts/flood-alert.resolver.ts';
import { FloodLevelResolver } from './alerts/flood-level.resolver.ts';
import { FeatureResolver, FloodPredictionResolver } from './features/feature.resolver.ts';
import { floodModel } from './flood.model.ts';
import { FloodRiskResolver, ZoneFloodResolver } from './flood-risk.resolver.ts';
import { LiveQualityResolver } from './quality/live-quality.resolver.ts';

export const flood: ModelEntry = {
  model: floodModel,
  resolvers: [
    ZoneFloodResolver,
    FloodRiskResolver,
    FeatureResolver,
    FloodPredictionResolver,
    FloodAlertResolver,
    FloodLevelResolver,
    LiveQualityResolver,
  ],
};
