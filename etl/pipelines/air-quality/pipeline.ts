import path from 'node:path';
import { sensorPmHourly } from '@cityassist/feature-store';
import { ingestCsv, ingestJsonLines } from '../../src/ingest.ts';
import { EtlError } from '../../src/errors.ts';
import type { Pipeline } from '../../src/pipeline.ts';
import { loadSuite } from '../../src/suite.ts';

const here = import.meta.dirname;

/**
 * Air-quality readings (OpenAQ long CSV or JSON lines) → `sensor_pm_hourly`: each reading snapped
 * to the nearest hour, several in an hour averaged, as the AQI model was trained.
 */
export const airQuality: Pipeline = {
  name: 'air-quality',
  description:
    'Sensor readings (OpenAQ long format: location_id,datetime,parameter,value,unit) → sensor_pm_hourly',
  formats: ['OpenAQ long CSV (.csv)', 'JSON lines (.jsonl, .ndjson)'],
  suite: await loadSuite(path.join(here, 'suite.yaml')),
  timeColumn: 'datetime',
  defaultSources: ['data/airquality/olinda-sim/pm25_readings.openaq.csv'],
  codeFiles: [import.meta.filename, path.join(here, 'suite.yaml')],
  async ingest(ctx) {
    for (const [i, source] of ctx.sources.entries()) {
      if (/\.(jsonl|ndjson)$/i.test(source.path)) await ingestJsonLines(ctx, i, source, this.suite);
      else if (/\.csv$/i.test(source.path)) await ingestCsv(ctx, i, source, this.suite);
      else throw new EtlError('ETL_FORMAT', `${source.uri}: air-quality reads .csv or .jsonl/.ndjson`);
      ctx.progress('ingest', i + 1, ctx.sources.length);
    }
  },
  async transform({ duck }) {
    await duck.run(`
      create table out_sensor_pm_hourly as
      select location_id as entity_id,
             time_bucket(interval 1 hour, datetime + interval 30 minute) as as_of,
             avg(value) filter (where parameter = 'pm25') as pm25,
             avg(value) filter (where parameter = 'pm10') as pm10
        from valid where parameter in ('pm25', 'pm10')
       group by all`);
    return [{ view: sensorPmHourly, table: 'out_sensor_pm_hourly' }];
  },
};
