import type { BaseContext } from '@cityassist/service-kit';
import type DataLoader from 'dataloader';
import type { FloodAlerter } from './alerts/flood-alerter.ts';
import type { AqiForecaster } from './aqi/aqi-forecaster.ts';
import type { AqiForecast } from './aqi/aqi-forecast.type.ts';
import type { AqiExplanation } from './aqi/aqi-model.ts';
import type { FeatureStore } from './features/feature-store.ts';
import type { FloodExplanation } from './flood/flood-explainer.ts';
import type { FloodRisk } from './flood/flood-risk.type.ts';
import type { FloodRouter } from './flood/flood-router.ts';
import type { DegradedAnswer } from './plugins/degraded-answers.plugin.ts';
import type { ModelRegistry } from './registry/model-registry.ts';

export interface PredictionsContext extends BaseContext {
  /** Per request and `at`: floodRisk of N zones is one scoring pass. */
  floodRisk(at?: Date): DataLoader<string, FloodRisk>;
  /** Per request: every explanation of the request is one TreeSHAP pass per model version. */
  explanations: DataLoader<FloodRisk, FloodExplanation, string>;
  /** The flood versions that serve (champion, canary, shadow) and their fallbacks. */
  flood: FloodRouter;
  registry: ModelRegistry;
  /** Models whose versions `models` lists. */
  servedModels: string[];
  store: FeatureStore;
  alerter: FloodAlerter;
  /** training's file-based experiment log. */
  experimentsFile: string;
  /** Per request: the aqiForecast of N zones is one readings query and one model call. */
  aqiForecast: DataLoader<string, AqiForecast>;
  /** Per request: the first-step explanations of every AQI forecast of the request, one TreeSHAP pass. */
  aqiExplanations: DataLoader<AqiForecast, AqiExplanation, string>;
  /** The AQI model, the sensor store and the zone → sensor map. */
  aqi: AqiForecaster;
  /** Fields answered from a fallback in this request (reported in `errors`). */
  degraded: DegradedAnswer[];
}
