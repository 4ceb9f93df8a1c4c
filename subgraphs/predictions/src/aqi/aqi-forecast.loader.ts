import DataLoader from 'dataloader';
import type { AqiForecaster } from './aqi-forecaster.ts';
import type { AqiForecast } from './aqi-forecast.type.ts';
import type { AqiExplanation } from './aqi-model.ts';

/**
 * Per request: every zone's aqiForecast in the request becomes one readings query and one model
 * call over the distinct sensors behind those zones (12 rows at most for Olinda). `batching: false`
 * loads zone by zone — one model call each — for benchmarks and debugging.
 */
export function createAqiForecastLoader(
  forecaster: AqiForecaster,
  opts: { batching: boolean },
): DataLoader<string, AqiForecast> {
  return new DataLoader<string, AqiForecast>(
    (zoneIds) => forecaster.forecastZones(zoneIds),
    opts.batching ? {} : { maxBatchSize: 1 },
  );
}

/** Per request: the explanations of every forecast the request explains, in one TreeSHAP pass. */
export function createAqiExplanationLoader(
  forecaster: AqiForecaster,
): DataLoader<AqiForecast, AqiExplanation, string> {
  return new DataLoader<AqiForecast, AqiExplanation, string>(
    (forecasts) => forecaster.model.explain(forecasts),
    { cacheKeyFn: (f) => f.forecastId },
  );
}
