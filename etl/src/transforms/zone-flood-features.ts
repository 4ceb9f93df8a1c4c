import { sqlString, zoneFloodFeatures, zoneRainHourly } from '@cityassist/feature-store';
import type { PipelineContext, ViewOutput } from '../pipeline.ts';

const HOUR_MS = 3_600_000;

/** The terrain file every rain pipeline reads as a static input (data/olinda/terrain.csv). */
export const TERRAIN_INPUT = { terrain: 'data/olinda/terrain.csv' } as const;

/**
 * `zone_flood_features` from `zone_rain_hourly`, defined once for every rain source: for each hour
 * a delivery brings, as of the hour's end, the rain of that hour and the trailing 24 h and 72 h
 * sums, with the zone's terrain. The trailing sums reach back into rain already in the online store,
 * so an hourly feed gives the same sums as one long file. An hour nobody delivered counts as dry:
 * the sums are of the rain that is known (docs/data-platform.md).
 *
 * Reads the DuckDB table `rainTable` (entity_id, as_of = hour start, rain_mm, coverage) and writes
 * `out_zone_flood_features`.
 */
export async function zoneFloodFeaturesFrom(ctx: PipelineContext, rainTable: string): Promise<ViewOutput> {
  const { duck } = ctx;
  const [bounds] = (
    await duck.runAndReadAll(`select min(as_of)::varchar as lo, max(as_of)::varchar as hi from ${rainTable}`)
  ).getRowObjectsJS() as { lo: string | null; hi: string | null }[];
  await duck.run('create table prior_rain (entity_id VARCHAR, as_of VARCHAR, rain_mm DOUBLE)');
  const priorVersions = new Set<string>();
  if (bounds?.lo) {
    const lo = new Date(bounds.lo);
    const zones = (
      await duck.runAndReadAll(`select distinct entity_id from ${rainTable}`)
    ).getRowObjectsJS() as { entity_id: string }[];
    const prior = await ctx.online.range(
      zoneRainHourly.name,
      zones.map((z) => z.entity_id),
      new Date(lo.getTime() - 71 * HOUR_MS),
      lo,
    );
    const appender = await duck.createAppender('prior_rain');
    for (const row of prior) {
      appender.appendVarchar(row.entityId);
      appender.appendVarchar(row.asOf.toISOString());
      const rain = row.values['rain_mm'];
      if (typeof rain === 'number') appender.appendDouble(rain);
      else appender.appendNull();
      appender.endRow();
      priorVersions.add(row.datasetVersion);
    }
    appender.closeSync();
  }
  const terrain = ctx.inputs['terrain']!;
  await duck.run(`
    create table out_zone_flood_features as
    with rain as (
      select entity_id, as_of, rain_mm, true as delivered from ${rainTable}
      union all
      select p.entity_id, p.as_of::timestamptz, p.rain_mm, false from prior_rain p
       where not exists (select 1 from ${rainTable} r where r.entity_id = p.entity_id and r.as_of = p.as_of::timestamptz)
    ),
    sums as (
      select entity_id, as_of, delivered, rain_mm as rain_1h_mm,
             sum(coalesce(rain_mm, 0)) over (partition by entity_id order by as_of range between interval 23 hours preceding and current row) as rain_24h_mm,
             sum(coalesce(rain_mm, 0)) over (partition by entity_id order by as_of range between interval 71 hours preceding and current row) as rain_72h_mm
        from rain
    ),
    terrain as (
      select zone_id, elevation_mean, elevation_min, low_lying_share
        from read_csv(${sqlString(terrain.path)}, header = true, auto_detect = true)
    )
    select s.entity_id, s.as_of + interval 1 hour as as_of, s.rain_1h_mm, s.rain_24h_mm, s.rain_72h_mm,
           t.elevation_mean as elevation_mean_m, t.elevation_min as elevation_min_m, t.low_lying_share,
           null::double as flooded_fraction
      from sums s join terrain t on t.zone_id::varchar = s.entity_id
     where s.delivered`);
  return {
    view: zoneFloodFeatures,
    table: 'out_zone_flood_features',
    inputs: [...priorVersions].sort(),
  };
}
