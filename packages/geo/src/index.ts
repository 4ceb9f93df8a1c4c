import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import type { Feature, FeatureCollection, Polygon } from 'geojson';

/** The committed extract of Olinda's 470 census tracts (see data/olinda/SOURCE.md). */
export const DEFAULT_ZONES_FILE = path.resolve(import.meta.dirname, '../../../data/olinda/zones.geojson');

export interface ZoneProperties {
  id: string;
  name: string;
  neighbourhood: string;
  population: number;
  areaKm2: number;
  centroid: [number, number];
  elevationMean: number;
  elevationMin: number;
  elevationMax: number;
  lowLyingShare: number;
}

export type ZoneFeature = Feature<Polygon, ZoneProperties>;

/** Bounding box as [minLon, minLat, maxLon, maxLat]. */
export function bboxOf(polygon: Polygon): [number, number, number, number] {
  const ring = polygon.coordinates[0] ?? [];
  const lons = ring.map((p) => p[0]!);
  const lats = ring.map((p) => p[1]!);
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
}

/** True when the point lies inside the polygon or on its edge (holes excluded). */
export function containsPoint(polygon: Polygon, lon: number, lat: number): boolean {
  return booleanPointInPolygon([lon, lat], polygon);
}

export async function loadZoneFeatures(file = DEFAULT_ZONES_FILE): Promise<ZoneFeature[]> {
  const collection = JSON.parse(await readFile(file, 'utf8')) as FeatureCollection<Polygon, ZoneProperties>;
  if (collection.type !== 'FeatureCollection' || !Array.isArray(collection.features)) {
    throw new Error(`${file} is not a GeoJSON FeatureCollection`);
  }
  return collection.features;
}

/** In-memory lookup over zone polygons, for services that hold the reference data themselves. */
export class ZoneIndex {
  private readonly byId: Map<string, ZoneFeature & { box: [number, number, number, number] }>;

  constructor(features: ZoneFeature[]) {
    this.byId = new Map(features.map((f) => [f.properties.id, { ...f, box: bboxOf(f.geometry) }]));
  }

  static async fromFile(file = DEFAULT_ZONES_FILE): Promise<ZoneIndex> {
    return new ZoneIndex(await loadZoneFeatures(file));
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The zone whose polygon contains the point; the first by id when it sits on a shared edge. */
  locate(lat: number, lon: number): ZoneProperties | undefined {
    for (const z of this.byId.values()) {
      const [x0, y0, x1, y1] = z.box;
      if (lon < x0 || lon > x1 || lat < y0 || lat > y1) continue;
      if (containsPoint(z.geometry, lon, lat)) return z.properties;
    }
    return undefined;
  }
}

/**
 * What a zone id may look like in any subgraph: 1–64 letters, digits, `_ . : -` (Olinda's are
 * 15-digit IBGE codes). Anything else is malformed input, not an unknown zone.
 */
export const ZONE_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export function isZoneId(value: string): boolean {
  return ZONE_ID_PATTERN.test(value);
}

/**
 * A point inside a zone's polygon: its centroid when that lies inside, else the centroid of the
 * first fan triangle (from the first vertex) that does. A concave tract's centroid can lie
 * outside it, and a point meant for a zone must locate to that zone.
 */
export function pointInZone(features: readonly ZoneFeature[], zoneId: string): { lat: number; lon: number } {
  const index = new ZoneIndex([...features]);
  const feature = features.find((f) => f.properties.id === zoneId);
  if (!feature) throw new Error(`no zone ${zoneId}`);
  const [lon, lat] = feature.properties.centroid;
  if (index.locate(lat, lon)?.id === zoneId) return { lat, lon };
  const ring = feature.geometry.coordinates[0]!;
  for (let i = 1; i < ring.length; i++) {
    for (let j = i + 1; j < ring.length; j++) {
      const p = {
        lon: (ring[0]![0]! + ring[i]![0]! + ring[j]![0]!) / 3,
        lat: (ring[0]![1]! + ring[i]![1]! + ring[j]![1]!) / 3,
      };
      if (index.locate(p.lat, p.lon)?.id === zoneId) return p;
    }
  }
  throw new Error(`found no inner point of zone ${zoneId}`);
}
