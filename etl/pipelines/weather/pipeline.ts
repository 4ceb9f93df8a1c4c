import path from 'node:path';
import { cityWeatherDaily, sqlString } from '@cityassist/feature-store';
import { EtlError } from '../../src/errors.ts';
import { ROW_STRIDE, ingestCsv, csvHeader } from '../../src/ingest.ts';
import type { Pipeline } from '../../src/pipeline.ts';
import { loadSuite } from '../../src/suite.ts';

const here = import.meta.dirname;
const suite = await loadSuite(path.join(here, 'suite.yaml'));

/**
 * Column names that carry US units (NOAA's "standard" units: inches, °F, mph). A file spelled so is
 * converted whole; a file with the metric names can still say `units = us` row by row.
 */
const US_COLUMNS: Record<string, string> = {
  precipitation_in: 'precipitation',
  temp_max_f: 'temp_max',
  temp_min_f: 'temp_min',
  wind_mph: 'wind',
};

const RENAME: Record<string, string> = { ...US_COLUMNS, station: 'location', station_id: 'location' };

/** SQL turning a text cell from US units into metric; text that is not a number is left to the suite. */
const TO_METRIC: Record<string, (x: string) => string> = {
  precipitation: (x) => `${x} * 25.4`,
  temp_max: (x) => `(${x} - 32) * 5 / 9`,
  temp_min: (x) => `(${x} - 32) * 5 / 9`,
  wind: (x) => `${x} * 0.44704`,
};

/** The same name as an entity id everywhere: lower case, runs of other characters as one dash. */
const slug = (sql: string) => `trim(regexp_replace(lower(trim(${sql})), '[^a-z0-9]+', '-', 'g'), '-')`;

/**
 * The place a file without a location column is about, from its name: `seattle-weather.csv` →
 * `seattle`, `new_york_daily.csv` → `new-york`. A name that gives none (`weather.csv`) is refused.
 */
export function locationOfFile(uri: string): string | undefined {
  const stem = path.basename(uri).replace(/\.[^.]*$/, '');
  const place = stem
    .toLowerCase()
    .replace(/([-_. ]?(weather|daily))+$/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return place || undefined;
}

/**
 * Daily weather summaries (NOAA daily CSV as vega-datasets ships it) → `city_weather_daily`, one row
 * per place and UTC day. The place is the file's `location` column (vega's weather.csv: Seattle and
 * New York) or, without one, the file name; US units (a `units` column saying `us`, or the
 * `precipitation_in,temp_max_f,temp_min_f,wind_mph` spelling) are converted to mm, °C and m/s while
 * reading, so the suite's ranges and the quarantine see metric values.
 */
export const weather: Pipeline = {
  name: 'weather',
  description: 'Daily weather (date,precipitation,temp_max,temp_min,wind,weather) → city_weather_daily',
  formats: [
    'CSV date,precipitation,temp_max,temp_min,wind,weather (vega-datasets seattle-weather.csv; the place from the file name)',
    'CSV location,date,precipitation,temp_max,temp_min,wind,weather (vega-datasets weather.csv)',
    'either with a units column (metric | us), or spelled precipitation_in,temp_max_f,temp_min_f,wind_mph (US units)',
  ],
  suite,
  timeColumn: 'date',
  defaultSources: ['data/rainfall/seattle-weather.csv'],
  codeFiles: [import.meta.filename, path.join(here, 'suite.yaml')],
  async ingest(ctx) {
    const { duck } = ctx;
    for (const [i, source] of ctx.sources.entries()) {
      if (!/\.(csv|txt)$/i.test(source.path)) {
        throw new EtlError('ETL_FORMAT', `${source.uri}: weather reads CSV`);
      }
      const header = await csvHeader(source.path);
      const hasLocation = header.some((h) => (RENAME[h] ?? h) === 'location');
      const place = locationOfFile(source.uri);
      if (!hasLocation && !place) {
        throw new EtlError(
          'ETL_SCHEMA_MISMATCH',
          `${source.uri}: no location column, and the file name names no place (name it <place>-weather.csv)`,
        );
      }
      await ingestCsv(ctx, i, source, suite, { rename: RENAME });
      const mine = `_row > ${i} * ${ROW_STRIDE} and _row < ${i + 1} * ${ROW_STRIDE}`;
      const usByName = header.some((h) => h in US_COLUMNS);
      await duck.run(`
        update raw set location = ${slug(`coalesce(nullif(trim(location), ''), ${sqlString(place ?? '')})`)},
                       units = coalesce(nullif(lower(trim(units)), ''), ${sqlString(usByName ? 'us' : 'metric')})
         where ${mine}`);
      const converted = Object.entries(TO_METRIC).map(([column, f]) => {
        const x = `try_cast(trim("${column}") as double)`;
        // 0.01 is finer than any of the four is measured in.
        return `"${column}" = coalesce(cast(round(${f(x)}, 2) as varchar), "${column}")`;
      });
      await duck.run(`update raw set ${converted.join(', ')} where ${mine} and units = 'us'`);
      ctx.progress('ingest', i + 1, ctx.sources.length);
    }
  },
  async transform({ duck }) {
    await duck.run(`
      create table out_city_weather_daily as
      select location as entity_id, time_bucket(interval 1 day, date) as as_of,
             precipitation as precipitation_mm, temp_max as temp_max_c, temp_min as temp_min_c, wind as wind_ms
        from valid`);
    return [{ view: cityWeatherDaily, table: 'out_city_weather_daily' }];
  },
};
