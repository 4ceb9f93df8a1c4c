import type { BaseContext } from '@cityassist/service-kit';
import type DataLoader from 'dataloader';
import type { FloodAlerter } from './alerts/flood-alerter.ts';
import type { DriftMonitor } from './drift/drift-monitor.ts';
import type { FeatureStore } from './features/feature-store.ts';
import type { FloodExplanation } from './flood/flood-explainer.ts';
import type { FloodModel } from './flood/flood-model.ts';
import type { FloodRisk } from './flood/flood-risk.type.ts';

export interface PredictionsContext extends BaseContext {
  /** Per request and `at`: floodRisk of N zones is one model call. */
  floodRisk(at?: Date): DataLoader<string, FloodRisk>;
  /** Per request: every explanation of the request is one TreeSHAP pass. */
  explanations: DataLoader<FloodRisk, FloodExplanation, string>;
  flood: FloodModel;
  store: FeatureStore;
  alerter: FloodAlerter;
  drift: DriftMonitor;
  /** training's file-based experiment log. */
  experimentsFile: string;
}
