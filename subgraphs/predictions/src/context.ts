import type { BaseContext } from '@cityassist/service-kit';
import type DataLoader from 'dataloader';
import type { FloodAlerter } from './alerts/flood-alerter.ts';
import type { FeatureStore } from './features/feature-store.ts';
import type { FloodModel } from './flood/flood-model.ts';
import type { FloodRisk } from './flood/flood-risk.type.ts';

export interface PredictionsContext extends BaseContext {
  /** Per request: floodRisk of N zones is one model call. */
  floodRisk: DataLoader<string, FloodRisk>;
  flood: FloodModel;
  store: FeatureStore;
  alerter: FloodAlerter;
}
