import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { zoneRainHourly } from '@cityassist/feature-store';
import type { Polygon, MultiPolygon, FeatureCollection } from 'geojson';
import { EtlError } from '../../src/errors.ts';
import type { Pipeline } from '../../src/pipeline.ts';
import { loadSuite } from '../../src/suite.ts';
import { TERRAIN_INPUT, zoneFloodFeaturesFrom } from '../../src/transforms/zone-flood-features.ts';
import { gridKey, overlayWeights, zoneHourlyRain, type OverlayWeights } from './overlay.ts';
import { readRadar } from './radar.ts';

const here = import.meta.dirname;

/** Overlay weights by grid and zones file: a radar keeps its grid, so each run after the first reuses them. */
const weightsCache = new Map<string, OverlayWeights>();

/**
 * Gridded radar rain (CF NetCDF such as NOAA Stage IV) → `zone_rain_hourly` by area-weighted
 * overlay of the cells on the zone polygons, and → `zone_flood_features`. A grid that does not
 * cover the city is refused (RADAR_GRID_MISMATCH), not loaded as dry.
 */
export const rainRadar: Pipeline = {
  name: 'rain-radar',
  description: 'Gridded hourly rain (CF NetCDF, e.g. NOAA Stage IV) → zone_rain_hourly, zone_flood_features',
  formats: [
    'CF NetCDF-3/4 classic (.nc): a precipitation variable in mm or kg m-2, hourly time axis, lat/lon',
  ],
  suite: await loadSuite(path.join(here, 'suite.yaml')),
  timeColumn: 'hour',
  staticInputs: { zones: 'data/olinda/zones.geojson', ...TERRAIN_INPUT },
  // Not loaded on start: the committed extract is Hurricane Florence's wettest hours transplanted
  // onto Olinda, which leaves every zone SEVERE. It is a case study to run by hand
  // (`npm run etl -- run rain-radar --file data/rainfall/olinda_radar_sim.nc`), and the tests' grid.
  defaultSources: [],
  codeFiles: [
    import.meta.filename,
    path.join(here, 'suite.yaml'),
    path.join(here, 'radar.ts'),
    path.join(here, 'overlay.ts'),
    path.join(here, '../../src/transforms/zone-flood-features.ts'),
  ],
  async ingest(ctx) {
    const zonesInput = ctx.inputs['zones']!;
    const zones = (
      JSON.parse(await readFile(zonesInput.path, 'utf8')) as FeatureCollection<Polygon | MultiPolygon>
    ).features.map((f) => ({
      id: String(f.id ?? f.properties?.['id']),
      polygon: f.geometry,
    }));
    const appender = await ctx.duck.createAppender('raw');
    for (const [i, source] of ctx.sources.entries()) {
      if (!/\.(nc|nc4|netcdf)$/i.test(source.path)) {
        throw new EtlError('ETL_FORMAT', `${source.uri}: rain-radar reads NetCDF (.nc)`);
      }
      const grid = readRadar(new Uint8Array(await readFile(source.path)), source.uri);
      const key = `${zonesInput.sha256}|${gridKey(grid)}`;
      let weights = weightsCache.get(key);
      if (!weights) {
        weights = overlayWeights(grid, zones);
        weightsCache.set(key, weights);
      }
      const rows = zoneHourlyRain(grid, weights);
      for (const [line, r] of rows.entries()) {
        appender.appendVarchar(source.uri);
        appender.appendBigInt(BigInt(i * 1e12 + line + 1));
        appender.appendVarchar(r.zone_id);
        appender.appendVarchar(r.hour);
        if (r.rain_mm === null) appender.appendNull();
        else appender.appendVarchar(String(r.rain_mm));
        appender.appendVarchar(String(r.coverage));
        appender.appendVarchar(String(r.missing_share));
        appender.endRow();
      }
      ctx.progress('ingest', i + 1, ctx.sources.length);
    }
    appender.closeSync();
  },
  async transform(ctx) {
    await ctx.duck.run(`
      create table out_zone_rain_hourly as
      select zone_id as entity_id, hour as as_of, rain_mm, coverage from valid`);
    return [
      { view: zoneRainHourly, table: 'out_zone_rain_hourly' },
      await zoneFloodFeaturesFrom(ctx, 'out_zone_rain_hourly'),
    ];
  },
};
