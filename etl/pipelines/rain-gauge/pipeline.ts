import path from 'node:path';
import { queryRows, sqlString, zoneRainHourly } from '@cityassist/feature-store';
import { EtlError } from '../../src/errors.ts';
import { ingestCsv } from '../../src/ingest.ts';
import type { Pipeline } from '../../src/pipeline.ts';
import { loadSuite, type ExpectationSuite } from '../../src/suite.ts';
import { TERRAIN_INPUT, zoneFloodFeaturesFrom } from '../../src/transforms/zone-flood-features.ts';
import { readStations, zoneGaugeDistances } from './gauges.ts';
import { rainGaugeOptionsOf } from './settings.ts';

const here = import.meta.dirname;
const REPO_ROOT = path.resolve(here, '../../..');

/** The spellings other gauge feeds use for the suite's columns. */
const RENAME = { station_id: 'station', datetime: 'time', rain_mm: 'mm' } as const;

export interface RainGaugeOptions {
  /** The stations file (`station,lat,lon`), relative to the repository. Default: the simulated Olinda network. */
  stations?: string;
  /**
   * Gauges within this distance of a zone's centroid are averaged, in metres. Default 2,000: the
   * simulated Olinda network's gauges are 2–3 km apart, so most zones see one or two of them.
   */
  radiusM?: number;
  /** Inverse-distance weighting power. Default 2, the usual choice for rain (Shepard 1968). */
  power?: number;
  /** How many of a zone's nearest gauges beyond the radius stand in when no near one reported. Default 3. */
  fallback?: number;
}

/**
 * A gauge closer to a centroid than this counts as this far: a gauge on the centroid would take
 * an infinite weight, and 100 m is below the size of Olinda's smallest tracts (~200 m across).
 */
const MIN_DISTANCE_M = 100;

/**
 * Rain gauge accumulations (`station,time,mm`, hourly or finer) → `zone_rain_hourly` and
 * `zone_flood_features`. Each reading's `time` is the start of the period it accumulates; readings
 * are summed per gauge into the UTC hour they fall in. A zone's hour is the inverse-distance-weighted
 * mean of the gauges within `radiusM` of its centroid that reported that hour (`coverage` 1); with
 * none, the nearest of its `fallback` nearest gauges beyond the radius that reported, with `coverage` =
 * radius / its distance (< 1, falling as the gauge gets farther); with none of those either, the zone
 * has no row that hour. The radius is measured on the true distance, so radius 0 with a gauge on each
 * centroid reads each zone's own gauge. The station list is read when the pipeline is built (its ids become the suite's
 * `in_set:station` rule, so an unknown gauge is quarantined) and again by each run (its coordinates).
 */
export async function rainGaugePipeline(options: RainGaugeOptions = {}): Promise<Pipeline> {
  const stationsFile = options.stations ?? 'data/rainfall/olinda_gauge_stations.csv';
  const radiusM = options.radiusM ?? 2000;
  const power = options.power ?? 2;
  const fallback = options.fallback ?? 3;
  const known = await readStations(path.resolve(REPO_ROOT, stationsFile));
  const base = await loadSuite(path.join(here, 'suite.yaml'));
  const suite: ExpectationSuite = {
    ...base,
    rows: [...base.rows, { rule: 'in_set', column: 'station', values: known.map((s) => s.station) }],
  };
  return {
    name: 'rain-gauge',
    description:
      'Rain gauge readings (station,time,mm) + a stations file → zone_rain_hourly, zone_flood_features',
    formats: [
      'CSV station,time,mm[,unit] (hourly or sub-hourly; also station_id, datetime, rain_mm; unit mm or in, mm when absent)',
    ],
    suite,
    timeColumn: 'time',
    staticInputs: { stations: stationsFile, ...TERRAIN_INPUT },
    defaultSources: ['data/rainfall/olinda_gauges.csv'],
    codeFiles: [
      import.meta.filename,
      path.join(here, 'suite.yaml'),
      path.join(here, 'gauges.ts'),
      path.join(here, '../../src/transforms/zone-flood-features.ts'),
    ],
    async ingest(ctx) {
      for (const [i, source] of ctx.sources.entries()) {
        if (!/\.(csv|txt)$/i.test(source.path)) {
          throw new EtlError('ETL_FORMAT', `${source.uri}: rain-gauge reads CSV`);
        }
        await ingestCsv(ctx, i, source, suite, { rename: RENAME });
        ctx.progress('ingest', i + 1, ctx.sources.length);
      }
      // Most gauge feeds carry no unit column: rain is reported as a depth in mm (WMO-No. 8, Part I, ch. 6).
      await ctx.duck.run(`update raw set unit = 'mm' where nullif(trim(unit), '') is null`);
    },
    async transform(ctx) {
      const { duck } = ctx;
      const stations = await readStations(ctx.inputs['stations']!.path);
      const zones = await queryRows<{ zoneId: string; lat: number; lon: number }>(
        duck,
        `select zone_id as "zoneId", centroid_lat::double as lat, centroid_lon::double as lon
           from read_csv(${sqlString(ctx.inputs['terrain']!.path)}, header = true, auto_detect = true, types = {'zone_id': 'VARCHAR'})`,
      );
      // d: the distance the radius is measured on; wd: the one the weight is (never under 100 m).
      await duck.run('create table zone_gauge (zone_id VARCHAR, station VARCHAR, d DOUBLE, wd DOUBLE)');
      const appender = await duck.createAppender('zone_gauge');
      for (const p of zoneGaugeDistances(zones, stations, radiusM, fallback)) {
        appender.appendVarchar(p.zoneId);
        appender.appendVarchar(p.station);
        appender.appendDouble(p.distanceM);
        appender.appendDouble(Math.max(p.distanceM, MIN_DISTANCE_M));
        appender.endRow();
      }
      appender.closeSync();
      await duck.run('create table known_station (station VARCHAR)');
      const listed = await duck.createAppender('known_station');
      for (const s of stations) {
        listed.appendVarchar(s.station);
        listed.endRow();
      }
      listed.closeSync();
      // The suite knew the list when the pipeline was built; a gauge since dropped from the file has no place.
      const unplaced = await queryRows<{ station: string }>(
        duck,
        `select distinct station from valid where station not in (select station from known_station) order by 1 limit 5`,
      );
      if (unplaced.length) {
        throw new EtlError(
          'ETL_BAD_REQUEST',
          `rain-gauge: ${unplaced.map((s) => s.station).join(', ')} not in ${ctx.inputs['stations']!.uri}`,
        );
      }
      const near = `d <= ${radiusM}`;
      await duck.run(`
        create table gauge_hourly as
        select station, time_bucket(interval 1 hour, time) as hour, sum(mm) as mm from valid group by all`);
      await duck.run(`
        create table out_zone_rain_hourly as
        select z.zone_id as entity_id, g.hour as as_of,
               -- Rounded to 1 µm: far below a gauge's 0.1 mm, and a lone gauge's 1.5 mm stays 1.5.
               round(case when count(*) filter (where ${near}) > 0
                    then sum(g.mm / pow(wd, ${power})) filter (where ${near}) / sum(1 / pow(wd, ${power})) filter (where ${near})
                    else arg_min(g.mm, d) end, 3) as rain_mm,
               case when count(*) filter (where ${near}) > 0 then 1.0 else ${radiusM} / min(d) end as coverage
          from zone_gauge z join gauge_hourly g using (station)
         group by z.zone_id, g.hour`);
      return [
        { view: zoneRainHourly, table: 'out_zone_rain_hourly' },
        await zoneFloodFeaturesFrom(ctx, 'out_zone_rain_hourly'),
      ];
    },
  };
}

export const rainGauge = await rainGaugePipeline(rainGaugeOptionsOf(process.env));
