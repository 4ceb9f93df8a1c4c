/**
 * Writes SIMULATED flood outcomes for the simulated Olinda storm of 2015-03-12T16:00Z…03-15T16:00Z
 * (see data/events/SOURCE.md): field observations (data/events/olinda_flood_observations_sim.csv)
 * and citizen reports (data/events/olinda_flood_reports_sim.jsonl). No observed flood outcome for
 * Olinda exists on these machines. Deterministic (seeded): the same inputs give the same bytes.
 *
 *   node --import tsx etl/pipelines/flood-observations/make-olinda-flood-observations.ts
 *
 * Driven by: the real zones and terrain (data/olinda/terrain.csv) and the simulated gauge rain
 * (data/rainfall/olinda_gauges.csv, itself from NOAA Seattle's daily totals), weighted onto each
 * zone's centroid the way the rain-gauge pipeline does (inverse distance squared within 2 km).
 * Assumed, every number here:
 * - P(flooding starts in an hour) = logistic(−7 + 0.35 r3 + 0.04 r24 + 3 low-lying share − 0.25
 *   lowest elevation in m), r3 and r24 the zone's rain in the last 3 and 24 hours; a flooded zone
 *   stays flooded the next hour with probability 0.7;
 * - field observations: the 25 most flood-prone zones (largest low-lying share, then lowest ground)
 *   are visited every 3 hours in the storm's last 24 hours, at a random minute of the hour;
 *   depth 5–65 cm when flooded (deeper the likelier the hour), 0 when dry;
 * - citizen reports: Poisson(0.5 × population / 1000) FLOODING reports per flooded zone-hour, and
 *   false alarms at 0.002 per zone-hour while it rains; 20 POTHOLE/GARBAGE/FALLEN_TREE reports
 *   spread over the window, which a flood label must ignore.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { distanceM } from '../rain-gauge/gauges.ts';
import { seededRandom } from '../../src/simulate.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const START = Date.parse('2015-03-12T16:00:00Z');
const HOURS = 72;
const HOUR_MS = 3_600_000;
const RADIUS_M = 2000;
const SEED = 20150314;
const random = seededRandom(SEED);

function csvRows(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split('\n');
  const names = header!.split(',');
  return lines.map((l) => {
    const cells = l
      .match(/("([^"]|"")*"|[^,]*)(,|$)/g)!
      .map((c) => c.replace(/,$/, '').replace(/^"(.*)"$/, '$1'));
    return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']));
  });
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const read = (file: string) => readFile(path.join(ROOT, file), 'utf8').then(csvRows);

const zones = (await read('data/olinda/terrain.csv')).map((r) => ({
  id: r['zone_id']!,
  population: Number(r['population']),
  lowLying: Number(r['low_lying_share']),
  minElevation: Number(r['elevation_min']),
  lat: Number(r['centroid_lat']),
  lon: Number(r['centroid_lon']),
}));
const stations = (await read('data/rainfall/olinda_gauge_stations.csv')).map((r) => ({
  station: r['station']!,
  lat: Number(r['lat']),
  lon: Number(r['lon']),
}));
const gauge = new Map<string, number[]>(stations.map((s) => [s.station, Array<number>(HOURS).fill(0)]));
for (const r of await read('data/rainfall/olinda_gauges.csv')) {
  gauge.get(r['station']!)![(Date.parse(r['time']!) - START) / HOUR_MS] = Number(r['mm']);
}

function zoneRain(z: (typeof zones)[number]): number[] {
  const near = stations.map((s) => ({ s, d: Math.max(100, distanceM(z, s)) })).filter((x) => x.d <= RADIUS_M);
  const used = near.length
    ? near
    : [stations.map((s) => ({ s, d: distanceM(z, s) })).sort((a, b) => a.d - b.d)[0]!];
  const w = used.map((x) => 1 / x.d ** 2);
  return Array.from(
    { length: HOURS },
    (_, h) =>
      used.reduce((sum, x, i) => sum + w[i]! * gauge.get(x.s.station)![h]!, 0) / w.reduce((a, b) => a + b, 0),
  );
}

const sum = (xs: number[], from: number, to: number) =>
  xs.slice(Math.max(0, from), to).reduce((a, b) => a + b, 0);

interface ZoneHours {
  zone: (typeof zones)[number];
  rain: number[];
  flooded: boolean[];
  p: number[];
}

const states: ZoneHours[] = zones.map((zone) => {
  const rain = zoneRain(zone);
  const flooded: boolean[] = [];
  const p: number[] = [];
  for (let h = 0; h < HOURS; h++) {
    const x =
      -7 +
      0.35 * sum(rain, h - 2, h + 1) +
      0.04 * sum(rain, h - 23, h + 1) +
      3 * zone.lowLying -
      0.25 * zone.minElevation;
    p.push(1 / (1 + Math.exp(-x)));
    flooded.push(random() < p[h]! || (h > 0 && flooded[h - 1]! && random() < 0.7));
  }
  return { zone, rain, flooded, p };
});

const observed = [...states]
  .sort(
    (a, b) =>
      b.zone.lowLying - a.zone.lowLying ||
      a.zone.minElevation - b.zone.minElevation ||
      a.zone.id.localeCompare(b.zone.id),
  )
  .slice(0, 25);
const observations: string[] = [];
for (let h = HOURS - 24 + 2; h < HOURS; h += 3) {
  for (const s of observed) {
    const at = START + h * HOUR_MS + Math.floor(random() * 60) * 60_000;
    const depth = s.flooded[h] ? (5 + 60 * s.p[h]! * random()).toFixed(1) : '0.0';
    observations.push(`${s.zone.id},${iso(at)},${s.flooded[h] ? 1 : 0},${depth},civil-defence-patrol`);
  }
}
observations.sort((a, b) => a.split(',')[1]!.localeCompare(b.split(',')[1]!) || a.localeCompare(b));

const reports: { created: number; zone: string; category: string; description: string }[] = [];
for (const s of states) {
  for (let h = 0; h < HOURS; h++) {
    const n = s.flooded[h]
      ? random.poisson((0.5 * s.zone.population) / 1000)
      : s.rain[h]! > 0 && random() < 0.002
        ? 1
        : 0;
    for (let k = 0; k < n; k++) {
      reports.push({
        created: START + h * HOUR_MS + Math.floor(random() * 3600) * 1000,
        zone: s.zone.id,
        category: 'FLOODING',
        description: 'Street under water',
      });
    }
  }
}
const others = ['POTHOLE', 'GARBAGE', 'FALLEN_TREE'];
for (let k = 0; k < 20; k++) {
  const zone = zones[Math.floor(random() * zones.length)]!;
  const category = others[k % others.length]!;
  reports.push({
    created: START + Math.floor(random() * HOURS * 3600) * 1000,
    zone: zone.id,
    category,
    description: category.toLowerCase().replace('_', ' '),
  });
}
reports.sort((a, b) => a.created - b.created || a.zone.localeCompare(b.zone));
const jsonl = reports.map((r, i) =>
  JSON.stringify({
    report_id: `sim-${String(i + 1).padStart(5, '0')}`,
    zone_id: r.zone,
    created_at: iso(r.created),
    category: r.category,
    description: r.description,
  }),
);

await writeFile(
  path.join(ROOT, 'data/events/olinda_flood_observations_sim.csv'),
  `zone_id,observed_at,flooded,depth_cm,source\n${observations.join('\n')}\n`,
);
await writeFile(path.join(ROOT, 'data/events/olinda_flood_reports_sim.jsonl'), `${jsonl.join('\n')}\n`);
const floodedHours = states.reduce((n, s) => n + s.flooded.filter(Boolean).length, 0);
console.log(
  `${observations.length} observations (${observations.filter((o) => o.split(',')[2] === '1').length} flooded), ` +
    `${reports.length} reports (${reports.filter((r) => r.category === 'FLOODING').length} flooding); ${floodedHours} flooded zone-hours`,
);
