/**
 * Writes data/olinda/raster.json: the real Olinda DEM grid (r-cran-stars olinda_dem_utm25s.tif,
 * 111×111 cells of 90 m, SIRGAS 2000 / UTM 25S) with its geotransform, and which census tract of
 * data/olinda/zones.geojson holds each cell centre, for the flood-segmentation model
 * (training/cityassist_training/flood_segmentation). Run once, after prepare-olinda.ts:
 *
 *   apt-get download r-cran-stars && dpkg -x r-cran-stars_*.deb /tmp/olinda
 *   npx tsx etl/zones/prepare-raster.ts /tmp/olinda/usr/lib/R/site-library
 *
 * Two zone grids, because many tracts are smaller than one 90 m cell: `zone` on the DEM's own
 * cells (what a 90 m product would see) and `fine.zone` on the `fine.factor`× finer grid the
 * segmentation model works on (30 m, the resolution of the DEM upsampled bilinearly in Python),
 * run-length encoded per row. A zone index is the tract's position in terrain.csv (and
 * zones.geojson, both sorted by tract code), -1 outside every tract. `fine.centroidCell` gives each
 * tract the fine cell holding its centroid, for a tract too small to own a fine cell centre.
 * The tracts are read from the committed zones.geojson (not the shapefile) so that the raster and
 * the zones the services serve cannot disagree.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { containsPoint } from '@cityassist/geo';
import { fromArrayBuffer } from 'geotiff';
import proj4 from 'proj4';
import type { FeatureCollection, Polygon, Position } from 'geojson';

// The DEM is SIRGAS 2000 / UTM zone 25S; the tracts are geographic on GRS80 (SIRGAS 2000).
const UTM25S = '+proj=utm +zone=25 +south +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs';
const toUtm = proj4('WGS84', UTM25S);
/** Fine cells per DEM cell along each axis: 90 m / 3 = 30 m, the segmentation model's pixel. */
export const FINE_FACTOR = 3;

const root = process.argv[2] ?? '/usr/lib/R/site-library';
const demFile = path.join(root, 'stars/tif/olinda_dem_utm25s.tif');
const dataDir = path.resolve(import.meta.dirname, '../../data/olinda');

/** Row-major zone indices of a w×h grid whose cell (c, r) has its centre at centre(c, r). */
function zoneGrid(
  w: number,
  h: number,
  centre: (c: number, r: number) => [number, number],
  zones: { rings: Position[][]; box: [number, number, number, number] }[],
): Int32Array {
  const out = new Int32Array(w * h).fill(-1);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const [x, y] = centre(c, r);
      const z = zones.findIndex(
        (zone) =>
          x >= zone.box[0] &&
          x <= zone.box[2] &&
          y >= zone.box[1] &&
          y <= zone.box[3] &&
          containsPoint({ type: 'Polygon', coordinates: zone.rings }, x, y),
      );
      out[r * w + c] = z;
    }
  }
  return out;
}

/** [value, run length, value, run length, ...] of one row. */
function runLengths(row: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < row.length;) {
    let j = i;
    while (j < row.length && row[j] === row[i]) j++;
    out.push(row[i]!, j - i);
    i = j;
  }
  return out;
}

async function main() {
  const buf = await readFile(demFile);
  const tiff = await fromArrayBuffer(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const image = await tiff.getImage();
  const [ox, oy] = image.getOrigin() as [number, number];
  const [rx, ry] = image.getResolution() as [number, number];
  const w = image.getWidth();
  const h = image.getHeight();
  const band = ((await image.readRasters()) as unknown as Float32Array[])[0]!;

  const geo = JSON.parse(await readFile(path.join(dataDir, 'zones.geojson'), 'utf8')) as FeatureCollection<
    Polygon,
    { id: string; centroid: [number, number] }
  >;
  const zones = geo.features.map((f) => {
    const rings = f.geometry.coordinates.map((ring) => ring.map((p) => toUtm.forward(p as [number, number])));
    const xs = rings[0]!.map((p) => p[0]);
    const ys = rings[0]!.map((p) => p[1]);
    return {
      id: f.properties.id,
      rings,
      box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] as [
        number,
        number,
        number,
        number,
      ],
      centroid: toUtm.forward(f.properties.centroid),
    };
  });

  // Pixel-is-area: cell (c, r) spans [ox + c*rx, ox + (c+1)*rx) and its centre is half a cell in.
  const coarse = zoneGrid(w, h, (c, r) => [ox + (c + 0.5) * rx, oy + (r + 0.5) * ry], zones);
  const fw = w * FINE_FACTOR;
  const fh = h * FINE_FACTOR;
  const frx = rx / FINE_FACTOR;
  const fry = ry / FINE_FACTOR;
  const fine = zoneGrid(fw, fh, (c, r) => [ox + (c + 0.5) * frx, oy + (r + 0.5) * fry], zones);

  const elevation: number[][] = [];
  const zone: number[][] = [];
  for (let r = 0; r < h; r++) {
    elevation.push(Array.from(band.subarray(r * w, (r + 1) * w), (v) => Number(v.toFixed(2))));
    zone.push(Array.from(coarse.subarray(r * w, (r + 1) * w)));
  }
  const fineRows: number[][] = [];
  for (let r = 0; r < fh; r++) fineRows.push(runLengths(fine.subarray(r * fw, (r + 1) * fw)));
  const centroidCell = zones.map((z) => [
    Math.min(fh - 1, Math.max(0, Math.floor((z.centroid[1] - oy) / fry))),
    Math.min(fw - 1, Math.max(0, Math.floor((z.centroid[0] - ox) / frx))),
  ]);

  const raster = {
    metadata: {
      source:
        'Olinda DEM (r-cran-stars tif/olinda_dem_utm25s.tif) and the IBGE tracts of data/olinda/zones.geojson',
      sha256: {
        dem: createHash('sha256').update(buf).digest('hex'),
        zones: createHash('sha256')
          .update(await readFile(path.join(dataDir, 'zones.geojson')))
          .digest('hex'),
      },
      crs: 'SIRGAS 2000 / UTM zone 25S (EPSG:31985)',
      units: 'metres; elevation above sea level rounded to 0.01 m (the DEM is whole metres; -1 is sea)',
      // GDAL order: x = gt[0] + col*gt[1] + row*gt[2], y = gt[3] + col*gt[4] + row*gt[5], at a cell's corner.
      note: 'zone = index into zoneIds (terrain.csv row order) of the tract holding the cell centre, -1 outside',
    },
    width: w,
    height: h,
    geotransform: [ox, rx, 0, oy, 0, ry],
    zoneIds: zones.map((z) => z.id),
    elevation,
    zone,
    fine: {
      factor: FINE_FACTOR,
      width: fw,
      height: fh,
      geotransform: [ox, frx, 0, oy, 0, fry],
      encoding: 'one array per row: [zone index, run length, zone index, run length, ...]',
      zone: fineRows,
      centroidCell,
      centroidCellNote: '[row, col] of the fine cell holding each tract centroid',
    },
  };
  const out = path.join(dataDir, 'raster.json');
  await writeFile(out, JSON.stringify(raster) + '\n');
  const covered = new Set(Array.from(fine).filter((z) => z >= 0)).size;
  console.log(
    `wrote ${out}: ${w}x${h} DEM cells, ${fw}x${fh} fine cells; ${covered}/${zones.length} tracts own a fine cell`,
  );
}

await main();
