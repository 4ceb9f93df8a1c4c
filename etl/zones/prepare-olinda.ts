/**
 * Prepares the committed Olinda zone extract from the files Debian ships in r-cran-sf and
 * r-cran-stars. Run once (see data/olinda/SOURCE.md); the services read only the output.
 *
 *   apt-get download r-cran-sf r-cran-stars && for f in r-cran-*.deb; do dpkg -x "$f" /tmp/olinda; done
 *   npm run prepare:zones -- /tmp/olinda/usr/lib/R/site-library
 *
 * Elevation statistics sample the DEM (90 m cells) by bilinear interpolation on a 15 m grid inside
 * each tract, because many tracts are smaller than one DEM cell and a cell-centre test would leave
 * them with no sample at all.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fromArrayBuffer } from 'geotiff';
import proj4 from 'proj4';
import * as shapefile from 'shapefile';
import type { Feature, Polygon, Position } from 'geojson';

/** Ground lower than this (metres above sea level) counts as low-lying. */
export const LOW_LYING_METRES = 5;
const SAMPLE_SPACING_METRES = 15;
// The DEM is SIRGAS 2000 / UTM zone 25S; the tracts are geographic on GRS80 (SIRGAS 2000).
const UTM25S = '+proj=utm +zone=25 +south +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs';
const toUtm = proj4('WGS84', UTM25S);

const root = process.argv[2] ?? '/usr/lib/R/site-library';
const outDir = path.resolve(import.meta.dirname, '../../data/olinda');
const files = {
  shp: path.join(root, 'sf/shape/olinda1.shp'),
  dbf: path.join(root, 'sf/shape/olinda1.dbf'),
  dem: path.join(root, 'stars/tif/olinda_dem_utm25s.tif'),
};

interface Dem {
  sample(x: number, y: number): number | undefined;
}

async function loadDem(file: string): Promise<Dem> {
  const buf = await readFile(file);
  const tiff = await fromArrayBuffer(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const image = await tiff.getImage();
  const [ox, oy] = image.getOrigin() as [number, number];
  const [rx, ry] = image.getResolution() as [number, number];
  const w = image.getWidth();
  const h = image.getHeight();
  const band = ((await image.readRasters()) as unknown as Float32Array[])[0]!;
  const at = (c: number, r: number) =>
    band[Math.min(h - 1, Math.max(0, r)) * w + Math.min(w - 1, Math.max(0, c))]!;
  return {
    sample(x, y) {
      // Pixel-is-area: cell centres sit half a cell in from the origin.
      const fc = (x - ox) / rx - 0.5;
      const fr = (y - oy) / ry - 0.5;
      if (fc < -0.5 || fr < -0.5 || fc > w - 0.5 || fr > h - 0.5) return undefined;
      const c0 = Math.floor(fc);
      const r0 = Math.floor(fr);
      const dc = fc - c0;
      const dr = fr - r0;
      const top = at(c0, r0) * (1 - dc) + at(c0 + 1, r0) * dc;
      const bottom = at(c0, r0 + 1) * (1 - dc) + at(c0 + 1, r0 + 1) * dc;
      return top * (1 - dr) + bottom * dr;
    },
  };
}

function inRing(x: number, y: number, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(x: number, y: number, rings: Position[][]): boolean {
  return inRing(x, y, rings[0]!) && !rings.slice(1).some((hole) => inRing(x, y, hole));
}

/** Signed area and centroid of a ring in planar (UTM) coordinates. */
function ringMoments(ring: Position[]): { a: number; cx: number; cy: number } {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [x0, y0] = ring[j] as [number, number];
    const [x1, y1] = ring[i] as [number, number];
    const cross = x0 * y1 - x1 * y0;
    a += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  return { a: a / 2, cx, cy };
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

async function main() {
  const dem = await loadDem(files.dem);
  const source = await shapefile.open(files.shp, files.dbf);
  const raw: Feature<Polygon, Record<string, string | number>>[] = [];
  for (let r = await source.read(); !r.done; r = await source.read()) {
    raw.push(r.value as Feature<Polygon, Record<string, string | number>>);
  }
  raw.sort((a, b) => String(a.properties['CD_GEOCODI']).localeCompare(String(b.properties['CD_GEOCODI'])));

  const seqInNeighbourhood = new Map<string, number>();
  const features = raw.map((f) => {
    if (f.geometry.type !== 'Polygon') {
      throw new Error(`unexpected geometry ${String((f.geometry as { type: unknown }).type)}`);
    }
    const id = String(f.properties['CD_GEOCODI']);
    // 12 tracts carry no neighbourhood name in the source; they are grouped, not dropped.
    const bairro = f.properties['NM_BAIR'];
    const neighbourhood =
      bairro === null || bairro === undefined || String(bairro) === 'null'
        ? 'Unassigned'
        : String(bairro).trim();
    const seq = (seqInNeighbourhood.get(neighbourhood) ?? 0) + 1;
    seqInNeighbourhood.set(neighbourhood, seq);

    const lonlat = f.geometry.coordinates.map((ring) => ring.map((p) => [round(p[0]!, 6), round(p[1]!, 6)]));
    const utm = lonlat.map((ring) => ring.map((p) => toUtm.forward(p as [number, number])));
    let area = 0;
    let mx = 0;
    let my = 0;
    for (const ring of utm) {
      const m = ringMoments(ring);
      area += m.a;
      mx += m.cx;
      my += m.cy;
    }
    const centroidUtm: [number, number] = [mx / (6 * area), my / (6 * area)];
    const [clon, clat] = toUtm.inverse(centroidUtm);

    const xs = utm[0]!.map((p) => p[0]);
    const ys = utm[0]!.map((p) => p[1]);
    const heights: number[] = [];
    for (let x = Math.min(...xs); x <= Math.max(...xs); x += SAMPLE_SPACING_METRES) {
      for (let y = Math.min(...ys); y <= Math.max(...ys); y += SAMPLE_SPACING_METRES) {
        if (!inPolygon(x, y, utm)) continue;
        const h = dem.sample(x, y);
        if (h !== undefined) heights.push(h);
      }
    }
    if (heights.length === 0) {
      const h = dem.sample(...centroidUtm);
      if (h === undefined) throw new Error(`zone ${id} lies outside the DEM`);
      heights.push(h);
    }
    const mean = heights.reduce((s, h) => s + h, 0) / heights.length;
    return {
      type: 'Feature' as const,
      id,
      properties: {
        id,
        name: `${neighbourhood} ${seq}`,
        neighbourhood,
        population: Number(f.properties['V014']),
        areaKm2: round(Math.abs(area) / 1e6, 5),
        centroid: [round(clon, 6), round(clat, 6)],
        elevationMean: round(mean, 2),
        elevationMin: round(Math.min(...heights), 2),
        elevationMax: round(Math.max(...heights), 2),
        lowLyingShare: round(heights.filter((h) => h < LOW_LYING_METRES).length / heights.length, 4),
        elevationSamples: heights.length,
      },
      geometry: { type: 'Polygon' as const, coordinates: lonlat },
    };
  });

  const hashes = Object.fromEntries(
    await Promise.all(
      Object.entries(files).map(async ([k, f]): Promise<[string, string]> => [
        k,
        createHash('sha256')
          .update(await readFile(f))
          .digest('hex'),
      ]),
    ),
  );
  const collection = {
    type: 'FeatureCollection',
    metadata: {
      source:
        'IBGE census tracts of Olinda (r-cran-sf olinda1) and Olinda DEM (r-cran-stars olinda_dem_utm25s.tif)',
      sha256: hashes,
      lowLyingMetres: LOW_LYING_METRES,
      sampleSpacingMetres: SAMPLE_SPACING_METRES,
    },
    features,
  };
  await writeFile(path.join(outDir, 'zones.geojson'), JSON.stringify(collection) + '\n');
  const header =
    'zone_id,neighbourhood,population,area_km2,elevation_mean,elevation_min,elevation_max,low_lying_share,centroid_lon,centroid_lat';
  const rows = features.map((f) => {
    const p = f.properties;
    return [
      p.id,
      JSON.stringify(p.neighbourhood),
      p.population,
      p.areaKm2,
      p.elevationMean,
      p.elevationMin,
      p.elevationMax,
      p.lowLyingShare,
      ...p.centroid,
    ].join(',');
  });
  await writeFile(path.join(outDir, 'terrain.csv'), [header, ...rows].join('\n') + '\n');
  console.log(`wrote ${features.length} zones to ${outDir}`);
}

await main();
