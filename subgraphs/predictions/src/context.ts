import type { BaseContext } from '@cityassist/service-kit';
import type DataLoader from 'dataloader';
import type { FloodRisk } from './flood/flood-risk.type.ts';

export interface PredictionsContext extends BaseContext {
  /** Per request: floodRisk of N zones is one model call. */
  floodRisk: DataLoader<string, FloodRisk>;
}
