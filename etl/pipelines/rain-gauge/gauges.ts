import { readFile } from 'node:fs/promises';
import parse from 'csv-parse/lib/sync.js';
import { EtlError } from '../../src/errors.ts';

export interface Station {
  station: string;
  lat: number;
  lon: number;
}

export interface Centroid {
  zoneId: string;
  lat: number;
  lon: number;
}

/** One zone's distance to one gauge: the rows the hourly weighting joins the readings on. */
export interface ZoneGauge {
  zoneId: string;
  station: string;
  distanceM: number;
}

/** Mean Earth radius (IUGG), m: at a city's scale the spherical error is far below a gauge's. */
const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The gauges each zone reads: those within `radiusM` of its centroid, plus its `fallback` nearest
 * beyond the radius (for the hours none of the near ones reported). Pairing every zone with every
 * gauge made a per-zone network (one gauge per zone, 470 × 470) a 221,000-pair join per hour.
 */
export function zoneGaugeDistances(
  zones: readonly Centroid[],
  stations: readonly Station[],
  radiusM: number,
  fallback: number,
): ZoneGauge[] {
  return zones.flatMap((z) => {
    const all = stations
      .map((s) => ({ zoneId: z.zoneId, station: s.station, distanceM: distanceM(z, s) }))
      .sort((a, b) => a.distanceM - b.distanceM || a.station.localeCompare(b.station));
    const near = all.filter((p) => p.distanceM <= radiusM);
    return [...near, ...all.slice(near.length, near.length + fallback)];
  });
}

/**
 * Reads a stations file (`station,lat,lon`, other columns ignored) and refuses one a gauge could
 * not be placed from: a missing column, a coordinate off the globe, a station listed twice.
 */
export async function readStations(file: string): Promise<Station[]> {
  let records: Record<string, string>[];
  try {
    records = parse(await readFile(file, 'utf8'), {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }) as Record<string, string>[];
  } catch (err) {
    throw new EtlError('ETL_SOURCE_UNREADABLE', `${file}: ${(err as Error).message}`, { cause: err });
  }
  const seen = new Set<string>();
  return records.map((r, i) => {
    const line = i + 2;
    const lat = Number(r['lat']);
    const lon = Number(r['lon']);
    const station = r['station'];
    if (!station || r['lat'] === undefined || r['lon'] === undefined) {
      throw new EtlError('ETL_SCHEMA_MISMATCH', `${file}: line ${line}: expected columns station, lat, lon`);
    }
    if (!(Math.abs(lat) <= 90 && Math.abs(lon) <= 180)) {
      throw new EtlError('ETL_FORMAT', `${file}: line ${line}: station ${station} has no valid lat/lon`);
    }
    if (seen.has(station)) {
      throw new EtlError('ETL_FORMAT', `${file}: line ${line}: station ${station} listed twice`);
    }
    seen.add(station);
    return { station, lat, lon };
  });
}
