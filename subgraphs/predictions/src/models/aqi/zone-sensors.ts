import type { ZoneFeature } from '@cityassist/geo';
import type { Sensor } from './sensor-store.ts';

/** Mean Earth radius (IUGG), km. */
const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in km (haversine; at Olinda's few km the error is far below a metre). */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface ZoneSensor {
  sensor: Sensor;
  /** From the zone's centroid to the sensor. */
  distanceKm: number;
}

/**
 * Which sensor speaks for each zone's air: the nearest one to the zone's centroid, if it is within
 * `maxDistanceKm`. The model forecasts a sensor's series, not a place, so a zone's forecast is its
 * nearest sensor's, with the distance said beside it (docs/aqi-forecast.md). Centroids come from
 * the zone extract (`@cityassist/geo`); ties go to the lower sensor id.
 */
export class ZoneSensorMap {
  private readonly byZone = new Map<string, ZoneSensor>();
  private readonly known = new Set<string>();
  /** Every sensor, by id. */
  readonly sensors: ReadonlyMap<string, Sensor>;

  constructor(zones: readonly ZoneFeature[], sensors: readonly Sensor[], maxDistanceKm: number) {
    const ordered = [...sensors].sort((a, b) => a.id.localeCompare(b.id));
    this.sensors = new Map(ordered.map((s) => [s.id, s]));
    for (const zone of zones) {
      this.known.add(zone.properties.id);
      const [lon, lat] = zone.properties.centroid;
      let best: ZoneSensor | undefined;
      for (const sensor of ordered) {
        const d = distanceKm(lat, lon, sensor.lat, sensor.lon);
        if (!best || d < best.distanceKm) best = { sensor, distanceKm: d };
      }
      if (best && best.distanceKm <= maxDistanceKm) this.byZone.set(zone.properties.id, best);
    }
  }

  /** The zone's sensor, or undefined for an unknown zone or one with no sensor near enough. */
  sensorOf(zoneId: string): ZoneSensor | undefined {
    return this.byZone.get(zoneId);
  }

  /** True for a zone of the extract, with or without a sensor near it. */
  isKnown(zoneId: string): boolean {
    return this.known.has(zoneId);
  }

  get size(): number {
    return this.byZone.size;
  }
}
