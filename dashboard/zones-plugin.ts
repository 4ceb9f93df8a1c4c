/**
 * The map's shapes, made at build time: the zones' GeoJSON (data/olinda/zones.geojson, or ZONES_FILE
 * as the services read it) projected once into SVG path data, bundled as the module
 * `virtual:zones`. The page then draws the map before any API call answers, the shapes are cached
 * for a year under their hashed name, and no geometry crosses the gateway on each visit (the API's
 * `Zone.geometry` is the same data, 450 KB of JSON for 470 zones).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';
import type { MapZone, ZoneMap } from './src/zone-map-types.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const zonesFile = (env: NodeJS.ProcessEnv = process.env) =>
  path.resolve(ROOT, env['ZONES_FILE'] ?? 'data/olinda/zones.geojson');

type Position = [number, number];
interface Feature {
  id?: string;
  properties: { id: string; name: string; neighbourhood: string; centroid?: Position };
  geometry:
    { type: 'Polygon'; coordinates: Position[][] } | { type: 'MultiPolygon'; coordinates: Position[][][] };
}

const WIDTH = 1000;
/** Vertices closer than this (map units; the map is 1000 wide) to the last one kept are dropped. */
const MIN_STEP = 0.35;

export function buildZoneMap(geojson: { features: Feature[] }): ZoneMap {
  const polygons = (f: Feature): Position[][][] =>
    f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  let [minLon, minLat, maxLon, maxLat] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of geojson.features) {
    for (const ring of polygons(f).flat()) {
      for (const [lon, lat] of ring) {
        minLon = Math.min(minLon, lon);
        maxLon = Math.max(maxLon, lon);
        minLat = Math.min(minLat, lat);
        maxLat = Math.max(maxLat, lat);
      }
    }
  }
  // Equirectangular at the city's mean latitude: at 8° S over 15 km it is as good as any projection.
  const cos = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const kx = WIDTH / (maxLon - minLon);
  const ky = kx / cos;
  const height = Math.ceil((maxLat - minLat) * ky);
  const project = ([lon, lat]: Position): Position => [(lon - minLon) * kx, (maxLat - lat) * ky];
  const round = (v: number) => Math.round(v * 10) / 10;

  const zones = geojson.features.map((f): MapZone => {
    const rings = polygons(f).flatMap((polygon) => polygon.map((ring) => ring.map(project)));
    let d = '';
    for (const ring of rings) {
      let [px, py] = [round(ring[0]![0]), round(ring[0]![1])];
      d += `M${px} ${py}`;
      let step = '';
      for (const [x, y] of ring.slice(1, -1)) {
        const [rx, ry] = [round(x), round(y)];
        if (Math.hypot(rx - px, ry - py) < MIN_STEP) continue;
        step += ` ${num(rx - px)} ${num(ry - py)}`;
        [px, py] = [rx, ry];
      }
      d += step ? `l${step.trimStart()}z` : 'z';
    }
    const [x, y] = interiorPoint(rings);
    return {
      id: f.properties.id ?? f.id,
      name: f.properties.name,
      neighbourhood: f.properties.neighbourhood,
      d,
      x: round(x),
      y: round(y),
    };
  });
  return { width: WIDTH, height, projection: { lon0: minLon, lat0: maxLat, kx, ky }, zones };
}

/** A number as short as SVG takes it: no leading zero, no trailing ".0". */
const num = (v: number) => {
  const s = String(Math.round(v * 10) / 10);
  return s.replace(/^(-?)0\./, '$1.');
};

/**
 * The middle of the widest inside span of a few horizontal lines through the shape: always inside
 * it (even-odd rule), unlike a concave tract's centroid.
 */
export function interiorPoint(rings: Position[][]): Position {
  const ys = rings.flat().map((p) => p[1]);
  const [top, bottom] = [Math.min(...ys), Math.max(...ys)];
  let best: { width: number; point: Position } = { width: -1, point: rings[0]![0]! };
  for (const share of [0.5, 0.35, 0.65, 0.2, 0.8]) {
    const y = top + (bottom - top) * share;
    const xs: number[] = [];
    for (const ring of rings) {
      for (let i = 0; i < ring.length - 1; i++) {
        const [[x1, y1], [x2, y2]] = [ring[i]!, ring[i + 1]!];
        if (y1 === y2 || y < Math.min(y1, y2) || y >= Math.max(y1, y2)) continue;
        xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
      }
    }
    xs.sort((a, b) => a - b);
    for (let i = 0; i + 1 < xs.length; i += 2) {
      const width = xs[i + 1]! - xs[i]!;
      if (width > best.width) best = { width, point: [(xs[i]! + xs[i + 1]!) / 2, y] };
    }
  }
  return best.point;
}

const VIRTUAL = 'virtual:zones';

/** `import zoneMap from 'virtual:zones'` in the page: the projected zones as JSON. */
export function zonesPlugin(file = zonesFile()): Plugin {
  return {
    name: 'cityassist-zones',
    resolveId: (id) => (id === VIRTUAL ? `\0${VIRTUAL}` : undefined),
    load(id) {
      if (id !== `\0${VIRTUAL}`) return undefined;
      this.addWatchFile(file);
      const map = buildZoneMap(JSON.parse(readFileSync(file, 'utf8')) as { features: Feature[] });
      return `export default ${JSON.stringify(map)};`;
    },
  };
}
