import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Database } from '@cityassist/db';
import { bboxOf, containsPoint, loadZoneFeatures } from '@cityassist/geo';
import type { Polygon } from 'geojson';
import type { Zone } from './zone.type.ts';

interface ZoneRow {
  id: string;
  name: string;
  neighbourhood: string;
  population: number;
  area_km2: number;
  centroid_lon: number;
  centroid_lat: number;
  elevation_mean: number;
  elevation_min: number;
  elevation_max: number;
  low_lying_share: number;
  geometry: Polygon;
}

const COLUMNS = `id, name, neighbourhood, population, area_km2, centroid_lon, centroid_lat,
  elevation_mean, elevation_min, elevation_max, low_lying_share, geometry`;

function toZone(r: ZoneRow): Zone {
  return {
    id: r.id,
    name: r.name,
    neighbourhood: r.neighbourhood,
    population: r.population,
    areaKm2: r.area_km2,
    centroid: { lon: r.centroid_lon, lat: r.centroid_lat },
    geometry: r.geometry,
    elevationMean: r.elevation_mean,
    elevationMin: r.elevation_min,
    elevationMax: r.elevation_max,
    lowLyingShare: r.low_lying_share,
  };
}

export class ZoneRepository {
  constructor(private readonly db: Database) {}

  /** Zones ordered by id after the cursor key; fetches one extra row to tell if a next page exists. */
  async page(opts: { first: number; afterId?: string | undefined; neighbourhood?: string | undefined }) {
    const params: unknown[] = [opts.first + 1];
    const where: string[] = [];
    if (opts.afterId !== undefined) where.push(`id > $${params.push(opts.afterId)}`);
    if (opts.neighbourhood !== undefined) where.push(`neighbourhood = $${params.push(opts.neighbourhood)}`);
    const clause = where.length ? `where ${where.join(' and ')}` : '';
    const rows = await this.db.query<ZoneRow>(
      `select ${COLUMNS} from zones.zone ${clause} order by id limit $1`,
      params,
    );
    return { zones: rows.slice(0, opts.first).map(toZone), hasNextPage: rows.length > opts.first };
  }

  async count(neighbourhood?: string): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      neighbourhood === undefined
        ? 'select count(*)::int as n from zones.zone'
        : 'select count(*)::int as n from zones.zone where neighbourhood = $1',
      neighbourhood === undefined ? [] : [neighbourhood],
    );
    return rows[0]?.n ?? 0;
  }

  /** One query for many ids; the result follows the order of `ids`, undefined where unknown. */
  async byIds(ids: readonly string[]): Promise<(Zone | undefined)[]> {
    const rows = await this.db.query<ZoneRow>(
      `select ${COLUMNS} from zones.zone where id = any($1::text[])`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, toZone(r)]));
    return ids.map((id) => byId.get(id));
  }

  /** The zone containing the point: the bounding-box index narrows, the polygon test decides. */
  async at(lat: number, lon: number): Promise<Zone | undefined> {
    const candidates = await this.db.query<ZoneRow>(
      `select ${COLUMNS} from zones.zone
        where min_lon <= $1 and max_lon >= $1 and min_lat <= $2 and max_lat >= $2 order by id`,
      [lon, lat],
    );
    const hit = candidates.find((r) => containsPoint(r.geometry, lon, lat));
    return hit && toZone(hit);
  }

  /**
   * Loads the extract into the table when it differs from what the table holds (by SHA-256), in one
   * transaction, so a crash half-way leaves the previous data, and replicas starting together
   * don't both write.
   */
  async seed(file: string): Promise<{ loaded: boolean; count: number }> {
    const sha256 = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    const current = await this.db.query<{ sha256: string; zone_count: number }>(
      `select sha256, zone_count from zones.dataset where name = 'zones'`,
    );
    if (current[0]?.sha256 === sha256) return { loaded: false, count: current[0].zone_count };
    const features = await loadZoneFeatures(file);
    const records = features.map((f) => {
      const p = f.properties;
      const [minLon, minLat, maxLon, maxLat] = bboxOf(f.geometry);
      return {
        id: p.id,
        name: p.name,
        neighbourhood: p.neighbourhood,
        population: p.population,
        area_km2: p.areaKm2,
        centroid_lon: p.centroid[0],
        centroid_lat: p.centroid[1],
        elevation_mean: p.elevationMean,
        elevation_min: p.elevationMin,
        elevation_max: p.elevationMax,
        low_lying_share: p.lowLyingShare,
        geometry: f.geometry,
        min_lon: minLon,
        min_lat: minLat,
        max_lon: maxLon,
        max_lat: maxLat,
      };
    });
    await this.db.transaction(async (tx) => {
      await tx.query('lock table zones.dataset in exclusive mode');
      await tx.query('delete from zones.zone');
      await tx.query(
        `insert into zones.zone (${COLUMNS}, min_lon, min_lat, max_lon, max_lat)
         select ${COLUMNS}, min_lon, min_lat, max_lon, max_lat
           from jsonb_to_recordset($1::jsonb) as x(
             id text, name text, neighbourhood text, population int, area_km2 float8,
             centroid_lon float8, centroid_lat float8, elevation_mean float8, elevation_min float8,
             elevation_max float8, low_lying_share float8, geometry jsonb,
             min_lon float8, min_lat float8, max_lon float8, max_lat float8)`,
        [JSON.stringify(records)],
      );
      await tx.query(
        `insert into zones.dataset (name, sha256, zone_count) values ('zones', $1, $2)
         on conflict (name) do update set sha256 = excluded.sha256, zone_count = excluded.zone_count, loaded_at = now()`,
        [sha256, records.length],
      );
    });
    return { loaded: true, count: records.length };
  }
}
