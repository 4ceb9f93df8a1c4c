import type { ModelEntry } from '../model.ts';
import { AqiForecastResolver, ZoneAqiResolver } from './aqi-forecast.resolver.ts';
import { aqiModel } from './aqi.model.ts';
import { SensorReadingResolver } from './sensor-reading.resolver.ts';

export const aqi: ModelEntry = {
  model: aqiModel,
  resolvers: [ZoneAqiResolver, AqiForecastResolver, SensorReadingResolver],
};
