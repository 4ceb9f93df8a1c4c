/**
 * Writes the SIMULATED Olinda rain-gauge network: data/rainfall/olinda_gauge_stations.csv and
 * data/rainfall/olinda_gauges.csv (see data/rainfall/SOURCE.md). Deterministic: the same inputs give
 * the same bytes.
 *
 *   node --import tsx etl/pipelines/rain-gauge/make-olinda-gauges.ts
 *
 * What is real: the zones (IBGE tracts, data/olinda/) and the three daily totals of NOAA Seattle,
 * 2015-03-13…15 (data/rainfall/seattle-weather.csv: 2.0, 17.0, 55.9 mm). What is assumed:
 * - 7 gauges, one per k-means cluster of the zone centroids (area-weighted, 30 Lloyd iterations from
 *   a farthest-point start), each placed inside the zone nearest its cluster centre;
 * - Seattle's day D is laid on the 24 hours ending at 16:00Z on D in Olinda, so the 72 hours end at
 *   2015-03-15T16:00Z like the simulated radar file;
 * - a gauge's day total is Seattle's × a factor rising linearly from 0.8 inland (west) to 1.2 at the
 *   coast (east), normalised so the network mean is Seattle's total;
 * - within a day the rain falls as one Gaussian burst (peak hour and width drawn per day), arriving
 *   up to 2 h later inland than at the coast, each hour jittered ×0.7–1.3;
 * - readings in 0.1 mm (Seattle's resolution), rounded by largest remainder so each gauge-day sums
 *   exactly to its total.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadZoneFeatures, pointInZone } from '@cityassist/geo';
import { seededRandom } from '../../src/simulate.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const END = Date.parse('2015-03-15T16:00:00Z');
const HOURS = 72;
const SEATTLE_DAYS = ['2015-03-13', '2015-03-14', '2015-03-15'];
const STATIONS = 7;
const SEED = 20150315;

interface Zone {
  id: string;
  neighbourhood: string;
  lon: number;
  lat: number;
  area: number;
}

function dist2(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  // Olinda spans 0.08°: an equirectangular metric at its latitude is exact enough for clustering.
  const k = Math.cos((8 * Math.PI) / 180);
  return ((a.lon - b.lon) * k) ** 2 + (a.lat - b.lat) ** 2;
}

function clusterCentres(zones: readonly Zone[], k: number): { lon: number; lat: number }[] {
  const mean = { lon: avg(zones.map((z) => z.lon)), lat: avg(zones.map((z) => z.lat)) };
  const centres = [nearest(zones, mean)];
  while (centres.length < k) {
    centres.push(zones.reduce((best, z) => (minDist(z, centres) > minDist(best, centres) ? z : best)));
  }
  let c: { lon: number; lat: number }[] = centres.map((z) => ({ lon: z.lon, lat: z.lat }));
  for (let iter = 0; iter < 30; iter++) {
    const sums = c.map(() => ({ lon: 0, lat: 0, w: 0 }));
    for (const z of zones) {
      const j = c.reduce((best, p, i) => (dist2(z, p) < dist2(z, c[best]!) ? i : best), 0);
      sums[j]!.lon += z.lon * z.area;
      sums[j]!.lat += z.lat * z.area;
      sums[j]!.w += z.area;
    }
    c = sums.map((s, i) => (s.w > 0 ? { lon: s.lon / s.w, lat: s.lat / s.w } : c[i]!));
  }
  return c;
}

function avg(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function nearest(zones: readonly Zone[], p: { lon: number; lat: number }): Zone {
  return zones.reduce((best, z) => (dist2(z, p) < dist2(best, p) ? z : best));
}

function minDist(z: Zone, set: readonly Zone[]): number {
  return Math.min(...set.map((s) => dist2(z, s)));
}

/** Splits `tenths` (an integer) over weights, each part an integer, summing exactly. */
function largestRemainder(tenths: number, weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total > 0 ? (tenths * w) / total : 0));
  const parts = exact.map(Math.floor);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let left = tenths - parts.reduce((a, b) => a + b, 0), j = 0; left > 0; left--, j++) {
    parts[order[j]!.i]!++;
  }
  return parts;
}

async function seattleTotals(): Promise<number[]> {
  const lines = (await readFile(path.join(ROOT, 'data/rainfall/seattle-weather.csv'), 'utf8'))
    .trim()
    .split('\n');
  const byDate = new Map(lines.slice(1).map((l) => [l.split(',')[0]!, Number(l.split(',')[1])]));
  return SEATTLE_DAYS.map((d) => {
    const v = byDate.get(d);
    if (v === undefined) throw new Error(`seattle-weather.csv has no ${d}`);
    return v;
  });
}

async function main(): Promise<void> {
  const features = await loadZoneFeatures();
  const zones: Zone[] = features.map((f) => ({
    id: f.properties.id,
    neighbourhood: f.properties.neighbourhood,
    lon: f.properties.centroid[0],
    lat: f.properties.centroid[1],
    area: f.properties.areaKm2,
  }));
  const hosts = clusterCentres(zones, STATIONS)
    .map((c) => nearest(zones, c))
    .sort((a, b) => b.lat - a.lat || a.lon - b.lon);
  const stations = hosts.map((z, i) => {
    const p = pointInZone(features, z.id);
    return { station: `OLG${String(i + 1).padStart(2, '0')}`, lat: p.lat, lon: p.lon, zone: z };
  });
  const lons = stations.map((s) => s.lon);
  const [west, east] = [Math.min(...lons), Math.max(...lons)];
  const toward = (lon: number) => (lon - west) / (east - west);
  const raw = stations.map((s) => 0.8 + 0.4 * toward(s.lon));
  const factors = raw.map((f) => f / avg(raw));
  const totals = await seattleTotals();
  const random = seededRandom(SEED);
  const days = totals.map(() => ({ peak: 6 + 12 * random(), width: 2 + 3 * random() }));
  const rows: string[] = [];
  for (const [si, s] of stations.entries()) {
    const lag = 2 * (1 - toward(s.lon));
    for (const [d, total] of totals.entries()) {
      const { peak, width } = days[d]!;
      const weights = Array.from(
        { length: 24 },
        (_, h) => Math.exp(-0.5 * ((h - peak - lag) / width) ** 2) * (0.7 + 0.6 * random()),
      );
      const tenths = largestRemainder(Math.round(total * factors[si]! * 10), weights);
      for (const [h, t] of tenths.entries()) {
        const at = END - (HOURS - d * 24 - h) * 3_600_000;
        rows.push(`${s.station},${new Date(at).toISOString().replace('.000Z', 'Z')},${(t / 10).toFixed(1)}`);
      }
    }
  }
  const stationsCsv = [
    'station,lat,lon,zone_id,neighbourhood',
    ...stations.map(
      (s) => `${s.station},${s.lat.toFixed(6)},${s.lon.toFixed(6)},${s.zone.id},"${s.zone.neighbourhood}"`,
    ),
  ].join('\n');
  await writeFile(path.join(ROOT, 'data/rainfall/olinda_gauge_stations.csv'), `${stationsCsv}\n`);
  await writeFile(
    path.join(ROOT, 'data/rainfall/olinda_gauges.csv'),
    `station,time,mm\n${rows.join('\n')}\n`,
  );
  for (const [i, s] of stations.entries()) {
    console.log(`${s.station} ${s.zone.id} ${s.zone.neighbourhood} factor ${factors[i]!.toFixed(3)}`);
  }
}

await main();
