import { EtlError } from '../src/errors.ts';
import type { Pipeline } from '../src/pipeline.ts';
import { airQuality } from './air-quality/pipeline.ts';
import { cityEvents } from './city-events/pipeline.ts';
import { energyLoad } from './energy-load/pipeline.ts';
import { floodObservations } from './flood-observations/pipeline.ts';
import { rainGauge } from './rain-gauge/pipeline.ts';
import { rainRadar } from './rain-radar/pipeline.ts';
import { weather } from './weather/pipeline.ts';

/** Every pipeline, by name: what `npm run etl -- run <name>` and the worker accept. */
export const pipelines: readonly Pipeline[] = [
  airQuality,
  // Before the radar: the embedded start runs this order, so for an hour both cover, radar is served.
  rainGauge,
  rainRadar,
  weather,
  energyLoad,
  cityEvents,
  floodObservations,
];

export function pipelineOf(name: string): Pipeline {
  const found = pipelines.find((p) => p.name === name);
  if (!found) {
    throw new EtlError(
      'ETL_UNKNOWN_PIPELINE',
      `no pipeline ${name}; there are ${pipelines.map((p) => p.name).join(', ')}`,
    );
  }
  return found;
}
