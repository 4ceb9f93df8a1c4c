import { readConfig } from '@cityassist/service-kit';
import { z } from 'zod';
import type { RainGaugeOptions } from './pipeline.ts';

/**
 * The rain-gauge pipeline's own settings: a city points it at its own gauge network. Read by every
 * process that runs pipelines (the predictions service, the worker, the CLI), so they agree.
 */
export const rainGaugeSettings = {
  /** The stations file (`station,lat,lon`), relative to the repository or absolute. */
  ETL_RAIN_GAUGE_STATIONS: z.string().min(1).default('data/rainfall/olinda_gauge_stations.csv'),
  /** Gauges within this many metres of a zone's centroid are averaged (inverse-distance weights). */
  ETL_RAIN_GAUGE_RADIUS_M: z.coerce.number().min(0).max(100_000).default(2000),
  /** How many of the nearest gauges beyond the radius stand in, nearest first, when no near one reported. */
  ETL_RAIN_GAUGE_FALLBACK: z.coerce.number().int().min(0).max(100).default(3),
};

export function rainGaugeOptionsOf(env: NodeJS.ProcessEnv): Required<Omit<RainGaugeOptions, 'power'>> {
  const s = readConfig(rainGaugeSettings, env);
  return {
    stations: s.ETL_RAIN_GAUGE_STATIONS,
    radiusM: s.ETL_RAIN_GAUGE_RADIUS_M,
    fallback: s.ETL_RAIN_GAUGE_FALLBACK,
  };
}
