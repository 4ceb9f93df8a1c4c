import path from 'node:path';
import { sqlIdent, sqlString, zoneEnergyHourly } from '@cityassist/feature-store';
import { EtlError } from '../../src/errors.ts';
import { ROW_STRIDE, ingestCsv, csvHeader } from '../../src/ingest.ts';
import type { LocalSource, Pipeline, PipelineContext } from '../../src/pipeline.ts';
import { loadSuite } from '../../src/suite.ts';

const here = import.meta.dirname;
const suite = await loadSuite(path.join(here, 'suite.yaml'));

/** Load columns that say their unit in their name, as most meter exports do. */
const LOAD_COLUMNS: Record<string, string> = {
  demand_mw: 'MW',
  load_mw: 'MW',
  demand_kw: 'kW',
  load_kw: 'kW',
};

const RENAME: Record<string, string> = {
  ...Object.fromEntries(Object.keys(LOAD_COLUMNS).map((c) => [c, 'load'])),
  // data/energy/taylor_demand.csv (and the R export it came from) labels each half-hour by its start in UTC.
  period_start_utc: 'datetime',
  region: 'zone_id',
  grid_id: 'zone_id',
};

/**
 * The region a one-series file is about, from its name: `taylor_demand.csv` → `taylor` (the R
 * series it came from), `north-load.csv` → `north`.
 */
export function regionOfFile(uri: string): string {
  return path
    .basename(uri)
    .replace(/\.[^.]*$/, '')
    .replace(/[-_. ]?(demand|load)$/i, '')
    .replace(/[^A-Za-z0-9_.:-]+/g, '-');
}

/** The wide form's first column: `at_utc,temp_c,<zone id>,…` (data/energy/olinda_zone_load.csv). */
const WIDE_TIME = 'at_utc';
const WIDE_TEMPERATURE = 'temp_c';

/**
 * A wide delivery (one row per interval: its UTC start, the city's temperature, then one column of
 * kW per zone) into `raw` as one row per zone and interval. An empty cell stays a row with no load,
 * so the hour keeps its temperature for that zone and counts as a missing reading, as the model was
 * trained; every row of a line keeps the line's number for the quarantine.
 */
async function ingestWide(
  ctx: PipelineContext,
  index: number,
  source: LocalSource,
  header: string[],
): Promise<void> {
  const zones = header.filter((h) => h !== WIDE_TIME && h !== WIDE_TEMPERATURE);
  if (zones.length === 0 || new Set(header).size !== header.length) {
    throw new EtlError(
      'ETL_SCHEMA_MISMATCH',
      `${source.uri}: a wide delivery is at_utc[,temp_c],<zone id>,… with each zone once; found ${header.slice(0, 4).join(',')}…`,
    );
  }
  const temperature = header.includes(WIDE_TEMPERATURE) ? sqlIdent(WIDE_TEMPERATURE) : 'null';
  const { duck } = ctx;
  await duck.run(
    `insert into raw (_source, _row, zone_id, datetime, load, unit, temp_c)
     with wide as (
       select row_number() over () + 1 as _line, *
         from read_csv(${sqlString(source.path)}, header = true, all_varchar = true, delim = ',',
                       store_rejects = true, strict_mode = true, null_padding = false, auto_detect = false,
                       columns = {${header.map((h) => `${sqlString(h)}: 'VARCHAR'`).join(', ')}}))
     -- Two unnests of equal lists zip, and keep the nulls (UNPIVOT would drop the empty cells).
     select ${sqlString(source.uri)}, ${index} * ${ROW_STRIDE} + _line, unnest([${zones.map(sqlString).join(', ')}]),
            ${sqlIdent(WIDE_TIME)}, unnest([${zones.map(sqlIdent).join(', ')}]), 'kW', ${temperature}
       from wide`,
  );
  await duck.run(
    `insert into rejects select ${sqlString(source.uri)}, line, csv_line, error_message from reject_errors`,
  );
  await duck.run('delete from reject_errors');
}

/**
 * Metered load → `zone_energy_hourly`: per zone (or region) and UTC hour, the mean load of the
 * intervals delivered, the energy they metered, the share of the hour's intervals that came, and
 * the mean temperature when the delivery carries one (the energy forecaster reads it). The metering interval is read from the delivery: per zone, the most common gap between its
 * readings (at most an hour; an hour when it has one reading), so half-hourly and hourly feeds
 * both work without a setting. A delivery is taken to hold whole hours: an hour split over two
 * deliveries is replaced by the second one's part, not merged.
 */
export const energyLoad: Pipeline = {
  name: 'energy-load',
  description:
    'Metered load (datetime,demand_mw; zone_id,datetime,load_kw; or at_utc,temp_c,<zone id>,…) → zone_energy_hourly',
  formats: [
    'CSV datetime,demand_mw: one region, half-hourly (data/energy/taylor_demand.csv: period_start_utc,period_start_local,demand_mw); the region from the file name',
    'CSV zone_id,datetime,load_kw: long form, one row per zone and interval (also region/grid_id, load_mw, demand_kw)',
    'CSV zone_id,datetime,load,unit with unit W | kW | MW | GW (any form may add temp_c, °C)',
    'CSV at_utc,temp_c,<zone id>,…: wide form, one row per interval, one kW column per zone, an empty cell a missing reading (data/energy/olinda_zone_load.csv)',
  ],
  suite,
  timeColumn: 'datetime',
  // The wide Olinda extract is the energy model's served window (168 h with the temperature); its
  // long-form cut holds the same last 24 h and would only repeat them.
  defaultSources: ['data/energy/taylor_demand.csv', 'data/energy/olinda_zone_load.csv'],
  codeFiles: [import.meta.filename, path.join(here, 'suite.yaml')],
  async ingest(ctx) {
    const { duck } = ctx;
    for (const [i, source] of ctx.sources.entries()) {
      if (!/\.(csv|txt)$/i.test(source.path)) {
        throw new EtlError('ETL_FORMAT', `${source.uri}: energy-load reads CSV`);
      }
      const header = await csvHeader(source.path);
      if (header[0] === WIDE_TIME) {
        await ingestWide(ctx, i, source, header);
        ctx.progress('ingest', i + 1, ctx.sources.length);
        continue;
      }
      const named = header.find((h) => h in LOAD_COLUMNS);
      if (!named && header.includes('load') && !header.includes('unit')) {
        throw new EtlError(
          'ETL_SCHEMA_MISMATCH',
          `${source.uri}: a load column needs a unit: name it load_kw or demand_mw, or add a unit column`,
        );
      }
      await ingestCsv(ctx, i, source, suite, { rename: RENAME });
      const hasZone = header.some((h) => (RENAME[h] ?? h) === 'zone_id');
      await duck.run(`
        update raw set zone_id = ${hasZone ? 'zone_id' : sqlString(regionOfFile(source.uri))},
                       unit = coalesce(nullif(trim(unit), ''), ${named ? sqlString(LOAD_COLUMNS[named]!) : 'null'})
         where _row > ${i} * ${ROW_STRIDE} and _row < ${i + 1} * ${ROW_STRIDE}`);
      ctx.progress('ingest', i + 1, ctx.sources.length);
    }
  },
  async transform({ duck }) {
    await duck.run(`
      create table steps as
      with gaps as (
        select zone_id, epoch(datetime - lag(datetime) over (partition by zone_id order by datetime)) as gap_s from valid
      )
      select zone_id, coalesce(mode(gap_s) filter (where gap_s > 0 and gap_s <= 3600), 3600) as step_s
        from gaps group by zone_id`);
    await duck.run(`
      create table out_zone_energy_hourly as
      select v.zone_id as entity_id, time_bucket(interval 1 hour, v.datetime) as as_of,
             avg(v.load) as load_kw,
             sum(v.load * s.step_s / 3600) as energy_kwh,
             -- count(load), not count(*): an interval delivered without a reading is a missing one.
             least(count(v.load) * s.step_s / 3600, 1) as completeness,
             avg(v.temp_c) as temp_c
        from valid v join steps s using (zone_id)
       group by v.zone_id, as_of, s.step_s`);
    return [{ view: zoneEnergyHourly, table: 'out_zone_energy_hourly' }];
  },
};
