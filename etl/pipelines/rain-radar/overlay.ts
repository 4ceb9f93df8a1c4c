/**
 * Area-weighted overlay of a radar grid on zone polygons, and the per-zone hourly rain it gives.
 *
 * Geometry is done in metres on a cylindrical equal-area projection whose standard parallel is the
 * city's centre latitude, on the sphere that osculates the ellipsoid there: areas are exact on that
 * sphere, and at city scale the shapes are too, so a cell's share of a zone is the share of the
 * ground it covers.
 */
import type { MultiPolygon, Polygon, Position } from 'geojson';
import polygonClipping, { type MultiPolygon as ClipMultiPolygon, type Pair } from 'polygon-clipping';
import { RadarError } from './errors.ts';
import type { RadarGrid } from './radar.ts';

export interface ZoneInput {
  id: string;
  /** Longitude/latitude (WGS 84), as GeoJSON. */
  polygon: Polygon | MultiPolygon;
}

export interface OverlayOptions {
  /**
   * Least share of the zones' combined area the grid must cover. Below it the file is taken to be
   * for another place and refused with RADAR_GRID_MISMATCH. Default 0.5: a radar at the edge of its
   * range may miss part of a city, but a grid that misses most of it is the wrong file.
   */
  minCoveredShare?: number;
}

export interface CellWeight {
  /** Index into the grid's cells, `row * nx + col`. */
  cell: number;
  /** Area of (cell ∩ zone) / area of the zone. */
  weight: number;
}

export interface ZoneWeights {
  zoneId: string;
  areaKm2: number;
  /** Sum of the weights: the share of the zone inside the grid (1 when fully covered). */
  coverage: number;
  cells: CellWeight[];
}

/** [minLon, minLat, maxLon, maxLat] */
export type Bbox = [number, number, number, number];

export interface OverlayWeights {
  /** Identifies the grid geometry, so weights are only ever applied to the grid they were made for. */
  gridKey: string;
  zones: ZoneWeights[];
  /** Share of the zones' combined area inside the grid. */
  coveredShare: number;
  gridBbox: Bbox;
  zonesBbox: Bbox;
  /** Cells near enough to the city to be clipped against zones. */
  candidateCells: number;
}

/** One row per zone and hour, in zone order then hour order. */
export interface ZoneHourRain {
  zone_id: string;
  /** Start of the hour, ISO 8601 UTC. */
  hour: string;
  /** Area-weighted mean over the zone's covered, non-missing area; null when none of it has a value. */
  rain_mm: number | null;
  coverage: number;
  /** Share of the zone's covered area whose cell is missing this hour (1 when the zone is not covered). */
  missing_share: number;
}

const RAD = Math.PI / 180;
const WGS84_A = 6_378_137;
const WGS84_E2 = 0.00669437999014;

/**
 * The Gaussian radius of curvature sqrt(M N) of the WGS 84 ellipsoid at a latitude: the sphere that
 * matches the ellipsoid's area element there. The mean radius would overstate areas near the equator
 * by 0.4% (measured against Olinda's UTM areas); shares are unaffected either way.
 */
function localRadius(lat: number): number {
  const w = 1 - WGS84_E2 * Math.sin(lat * RAD) ** 2;
  return (WGS84_A * Math.sqrt(1 - WGS84_E2)) / w;
}

interface Projection {
  lon0: number;
  lat0: number;
  /** Longitude relative to lon0, in (-180, 180], so a grid stored as 0..360 lines up with -180..180 zones. */
  dlon(lon: number): number;
  xy(dlon: number, lat: number): Pair;
}

function projection(lon0: number, lat0: number): Projection {
  const k = Math.cos(lat0 * RAD);
  const s0 = Math.sin(lat0 * RAD);
  const radius = localRadius(lat0);
  return {
    lon0,
    lat0,
    dlon: (lon) => {
      const d = (((lon - lon0) % 360) + 540) % 360;
      return d - 180;
    },
    // Subtracting sin(lat0) keeps the numbers near zero, where the clipper's float tests are sharpest.
    xy: (dlon, lat) => [radius * k * dlon * RAD, (radius * (Math.sin(lat * RAD) - s0)) / k],
  };
}

function ringArea(ring: Pair[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    a += (ring[j]![0] + ring[i]![0]) * (ring[j]![1] - ring[i]![1]);
  }
  return Math.abs(a) / 2;
}

function multiArea(mp: ClipMultiPolygon): number {
  let a = 0;
  for (const poly of mp) {
    poly.forEach((ring, i) => (a += i === 0 ? ringArea(ring) : -ringArea(ring)));
  }
  return a;
}

export function gridKey(grid: RadarGrid): string {
  const { ny, nx, lat, lon } = grid;
  const at = (i: number): string => `${lat[i]!.toFixed(6)},${lon[i]!.toFixed(6)}`;
  return `${ny}x${nx}:${at(0)};${at(nx - 1)};${at((ny - 1) * nx)};${at(ny * nx - 1)}`;
}

function fmtBbox([x0, y0, x1, y1]: Bbox): string {
  return `lon ${x0.toFixed(3)}…${x1.toFixed(3)}, lat ${y0.toFixed(3)}…${y1.toFixed(3)}`;
}

/**
 * Cell corners as (dlon, lat), (ny + 1) x (nx + 1): each interior corner is the mean of the four
 * centres around it, and the outer ring is extrapolated half a cell, so on a regular grid the
 * edges fall exactly half-way between centres. Done in degrees rather than metres so that those
 * edges are exact lines of latitude and longitude.
 */
function cellCorners(grid: RadarGrid, proj: Projection): { cx: Float64Array; cy: Float64Array } {
  const { ny, nx } = grid;
  const ex = new Float64Array((ny + 2) * (nx + 2));
  const ey = new Float64Array((ny + 2) * (nx + 2));
  const w = nx + 2;
  for (let r = 0; r < ny; r++) {
    for (let c = 0; c < nx; c++) {
      ex[(r + 1) * w + c + 1] = proj.dlon(grid.lon[r * nx + c]!);
      ey[(r + 1) * w + c + 1] = grid.lat[r * nx + c]!;
    }
  }
  for (const e of [ex, ey]) {
    for (let c = 1; c <= nx; c++) {
      e[c] = 2 * e[w + c]! - e[2 * w + c]!;
      e[(ny + 1) * w + c] = 2 * e[ny * w + c]! - e[(ny - 1) * w + c]!;
    }
    for (let r = 0; r <= ny + 1; r++) {
      e[r * w] = 2 * e[r * w + 1]! - e[r * w + 2]!;
      e[r * w + nx + 1] = 2 * e[r * w + nx]! - e[r * w + nx - 1]!;
    }
  }
  const cw = nx + 1;
  const cx = new Float64Array((ny + 1) * cw);
  const cy = new Float64Array((ny + 1) * cw);
  for (let i = 0; i <= ny; i++) {
    for (let j = 0; j <= nx; j++) {
      const a = i * w + j;
      cx[i * cw + j] = (ex[a]! + ex[a + 1]! + ex[a + w]! + ex[a + w + 1]!) / 4;
      cy[i * cw + j] = (ey[a]! + ey[a + 1]! + ey[a + w]! + ey[a + w + 1]!) / 4;
    }
  }
  return { cx, cy };
}

interface PreparedZone {
  id: string;
  geom: ClipMultiPolygon;
  area: number;
  box: [number, number, number, number];
  vertices: Pair[];
}

function prepareZones(zones: readonly ZoneInput[], proj: Projection): PreparedZone[] {
  const seen = new Set<string>();
  return zones.map((z) => {
    if (seen.has(z.id)) throw new RadarError('RADAR_ZONES_INVALID', `zone ${z.id} appears twice`);
    seen.add(z.id);
    const polys: Position[][][] =
      z.polygon.type === 'Polygon'
        ? [z.polygon.coordinates]
        : z.polygon.type === 'MultiPolygon'
          ? z.polygon.coordinates
          : [];
    const projected = polys.map((poly) =>
      poly.map((ring) => ring.map((p) => proj.xy(proj.dlon(p[0]!), p[1]!))),
    );
    // The union repairs rings that overlap or wind either way, so the zone's area is the ground it covers.
    const geom = projected.length > 0 ? polygonClipping.union(projected) : [];
    const area = multiArea(geom);
    if (!(area > 0)) {
      throw new RadarError('RADAR_ZONES_INVALID', `zone ${z.id} has no area (${z.polygon.type})`);
    }
    const vertices = geom.flatMap((poly) => poly[0]!);
    const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [x, y] of vertices) {
      box[0] = Math.min(box[0], x);
      box[1] = Math.min(box[1], y);
      box[2] = Math.max(box[2], x);
      box[3] = Math.max(box[3], y);
    }
    return { id: z.id, geom, area, vertices, box };
  });
}

/** True when p is inside or on the convex quadrilateral q (either winding). */
function inConvexQuad(q: Pair[], p: Pair): boolean {
  let sign = 0;
  for (let i = 0; i < 4; i++) {
    const a = q[i]!;
    const b = q[(i + 1) % 4]!;
    const cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
    if (cross !== 0) {
      if (sign === 0) sign = Math.sign(cross);
      else if (Math.sign(cross) !== sign) return false;
    }
  }
  return true;
}

function isConvexQuad(q: Pair[]): boolean {
  let sign = 0;
  for (let i = 0; i < 4; i++) {
    const a = q[i]!;
    const b = q[(i + 1) % 4]!;
    const c = q[(i + 2) % 4]!;
    const s = Math.sign((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]));
    if (s === 0) return false;
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

/**
 * For each zone, the cells that overlap it and the share of the zone's area in each. Throws
 * RADAR_GRID_MISMATCH when the grid covers less than `minCoveredShare` of the zones' area, and
 * RADAR_ZONES_INVALID for an empty zone list, a repeated id or a zone with no area.
 */
export function overlayWeights(
  grid: RadarGrid,
  zones: readonly ZoneInput[],
  options: OverlayOptions = {},
): OverlayWeights {
  const minCoveredShare = options.minCoveredShare ?? 0.5;
  if (zones.length === 0) {
    throw new RadarError('RADAR_ZONES_INVALID', 'no zones to overlay the radar grid on');
  }
  if (grid.ny < 2 || grid.nx < 2) {
    throw new RadarError(
      'RADAR_NO_GEOLOCATION',
      `${grid.source}: a ${grid.ny}x${grid.nx} grid gives no cell edges; at least 2x2 cells are needed`,
    );
  }

  let [zx0, zy0, zx1, zy1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const z of zones) {
    const polys = z.polygon.type === 'Polygon' ? [z.polygon.coordinates] : z.polygon.coordinates;
    for (const ring of polys.flat()) {
      for (const [x, y] of ring as [number, number][]) {
        zx0 = Math.min(zx0, x);
        zx1 = Math.max(zx1, x);
        zy0 = Math.min(zy0, y);
        zy1 = Math.max(zy1, y);
      }
    }
  }
  const zonesBbox: Bbox = [zx0, zy0, zx1, zy1];
  const proj = projection((zx0 + zx1) / 2, (zy0 + zy1) / 2);
  const prepared = prepareZones(zones, proj);
  // The city's box in (longitude from the centre, latitude): the projection maps each axis on its
  // own and monotonically, so boxes that miss here miss in metres too, and no cell far away is projected.
  const city = [proj.dlon(zx0), zy0, proj.dlon(zx1), zy1] as const;

  const { ny, nx } = grid;
  const { cx, cy } = cellCorners(grid, proj);
  const cw = nx + 1;
  let [gx0, gy0, gx1, gy1] = [Infinity, Infinity, -Infinity, -Infinity];
  const candidates: { cell: number; quad: Pair[]; box: [number, number, number, number]; convex: boolean }[] =
    [];
  for (let r = 0; r < ny; r++) {
    for (let c = 0; c < nx; c++) {
      const i0 = r * cw + c;
      const ids = [i0, i0 + 1, i0 + cw + 1, i0 + cw] as const;
      // Scalar min/max: this loop runs once per cell, a million times for a national grid.
      let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
      for (const i of ids) {
        x0 = Math.min(x0, cx[i]!);
        x1 = Math.max(x1, cx[i]!);
        y0 = Math.min(y0, cy[i]!);
        y1 = Math.max(y1, cy[i]!);
      }
      // A cell straddling the antipodal meridian of the city is not a cell near it.
      if (x1 - x0 > 180) continue;
      gx0 = Math.min(gx0, x0 + proj.lon0);
      gx1 = Math.max(gx1, x1 + proj.lon0);
      gy0 = Math.min(gy0, y0);
      gy1 = Math.max(gy1, y1);
      if (x1 < city[0] || x0 > city[2] || y1 < city[1] || y0 > city[3]) continue;
      const quad = ids.map((i) => proj.xy(cx[i]!, cy[i]!));
      const box: [number, number, number, number] = [
        Math.min(...quad.map((p) => p[0])),
        Math.min(...quad.map((p) => p[1])),
        Math.max(...quad.map((p) => p[0])),
        Math.max(...quad.map((p) => p[1])),
      ];
      candidates.push({ cell: r * nx + c, quad, box, convex: isConvexQuad(quad) });
    }
  }
  const gridBbox: Bbox = [gx0, gy0, gx1, gy1];

  let coveredArea = 0;
  let totalArea = 0;
  const out: ZoneWeights[] = prepared.map((z) => {
    const cells: CellWeight[] = [];
    for (const cand of candidates) {
      const b = cand.box;
      if (b[2] < z.box[0] || b[0] > z.box[2] || b[3] < z.box[1] || b[1] > z.box[3]) continue;
      // Most tracts sit wholly inside one ~4 km cell; the vertex test spares the clipper for those.
      const inside = cand.convex && z.vertices.every((p) => inConvexQuad(cand.quad, p));
      const area = inside
        ? z.area
        : multiArea(polygonClipping.intersection(z.geom, [[...cand.quad, cand.quad[0]!]]));
      const weight = area / z.area;
      if (weight > 1e-12) cells.push({ cell: cand.cell, weight });
    }
    const coverage = Math.min(
      1,
      cells.reduce((s, c) => s + c.weight, 0),
    );
    coveredArea += coverage * z.area;
    totalArea += z.area;
    return { zoneId: z.id, areaKm2: z.area / 1e6, coverage, cells };
  });

  const coveredShare = coveredArea / totalArea;
  if (!(coveredShare >= minCoveredShare) || coveredArea === 0) {
    const touched = out.filter((z) => z.coverage > 0).length;
    throw new RadarError(
      'RADAR_GRID_MISMATCH',
      `${grid.source}: the radar grid (${fmtBbox(gridBbox)}) covers ${(coveredShare * 100).toFixed(1)}% of the ` +
        `zones' area (${zones.length} zones, ${touched} touched, ${fmtBbox(zonesBbox)}); at least ` +
        `${(minCoveredShare * 100).toFixed(0)}% is needed. Is this file for another place?`,
    );
  }
  return {
    gridKey: gridKey(grid),
    zones: out,
    coveredShare,
    gridBbox,
    zonesBbox,
    candidateCells: candidates.length,
  };
}

/**
 * Rain per zone and hour: the mean of the zone's cells weighted by overlap area, over the cells
 * that have a value that hour. Missing cells are left out of the mean, not read as dry, and their
 * share of the covered area is reported so the loader can decide what is too little to keep.
 */
export function zoneHourlyRain(grid: RadarGrid, weights: OverlayWeights): ZoneHourRain[] {
  const key = gridKey(grid);
  if (key !== weights.gridKey) {
    throw new RadarError(
      'RADAR_GRID_MISMATCH',
      `${grid.source}: the overlay weights were made for grid ${weights.gridKey}, this grid is ${key}`,
    );
  }
  const cellsPerStep = grid.ny * grid.nx;
  const hours = grid.times.map((t) => t.toISOString());
  const rows: ZoneHourRain[] = [];
  for (const z of weights.zones) {
    for (let t = 0; t < hours.length; t++) {
      let seen = 0;
      let sum = 0;
      let missing = 0;
      for (const { cell, weight } of z.cells) {
        const v = grid.values[t * cellsPerStep + cell]!;
        if (Number.isNaN(v)) missing += weight;
        else {
          seen += weight;
          sum += weight * v;
        }
      }
      rows.push({
        zone_id: z.zoneId,
        hour: hours[t]!,
        rain_mm: seen > 0 ? sum / seen : null,
        coverage: z.coverage,
        missing_share: seen + missing > 0 ? missing / (seen + missing) : 1,
      });
    }
  }
  return rows;
}
