/** The map's zones as `virtual:zones` (zones-plugin.ts) bundles them. */

/** One zone as the page draws it: SVG path data and a point inside it, in map units. */
export interface MapZone {
  id: string;
  name: string;
  neighbourhood: string;
  d: string;
  /** A point inside the polygon (not the centroid, which may lie outside a concave tract). */
  x: number;
  y: number;
}

export interface ZoneMap {
  width: number;
  height: number;
  /** Map units → WGS 84: lon = lon0 + x / kx, lat = lat0 − y / ky. */
  projection: { lon0: number; lat0: number; kx: number; ky: number };
  zones: MapZone[];
}
