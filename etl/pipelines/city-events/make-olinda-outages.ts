/**
 * Writes data/events/olinda_outages_sim.csv: a SIMULATED power and water outage log for Olinda,
 * 2015-02-01…2015-03-15 (see data/events/SOURCE.md). No real outage log exists on these machines;
 * this one is driven by real zones and real weather so that storms cause more outages, and is
 * deterministic (seeded): the same inputs give the same bytes.
 *
 *   node --import tsx etl/pipelines/city-events/make-olinda-outages.ts
 *
 * Real: the 470 zones and their population and low-lying share (data/olinda/terrain.csv); daily
 * precipitation and mean wind of NOAA Seattle on the same calendar days
 * (data/rainfall/seattle-weather.csv), standing in for Olinda's weather. Assumed, every number here:
 * - storm index of a day S = precipitation / 10 mm + max(0, wind − 3.5 m/s);
 * - power outages per zone-day ~ Poisson(0.006 × √(population / 800) × (1 + 1.5 S)): bigger tracts
 *   have more line to fail; rain and wind bring lines down;
 * - water outages per zone-day ~ Poisson(0.003 × √(population / 800) × (1 + 0.8 × precipitation /
 *   10 mm × (1 + 4 × low-lying share))): floods reach pumps and mains in low ground; and each power
 *   outage cuts the zone's water too with probability 0.15 (pumps lose power), starting within it;
 * - start uniform over the UTC day; duration log-normal, median 75 min (σ 0.9) for power and
 *   180 min (σ 0.8) for water, × (1 + S / 4) on storm days (crews are busy), 5 min … 2 days;
 * - customers = households (population / 3.3, the mean household of Pernambuco in the 2010 census)
 *   × a share uniform in 5 %…100 %.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seededRandom } from '../../src/simulate.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const FIRST = '2015-02-01';
const LAST = '2015-03-15';
const SEED = 20150201;
const DAY_MS = 86_400_000;

const random = seededRandom(SEED);

function minutesOf(median: number, sigma: number, storm: number): number {
  const m = median * Math.exp(sigma * random.normal()) * (1 + storm / 4);
  return Math.round(Math.min(2 * 1440, Math.max(5, m)));
}

function csvRows(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split('\n');
  const names = header!.split(',');
  // terrain.csv quotes only the neighbourhood, which this script does not read: split on commas outside quotes.
  return lines.map((l) => {
    const cells = l.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''));
    return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']));
  });
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const zones = csvRows(await readFile(path.join(ROOT, 'data/olinda/terrain.csv'), 'utf8')).map((r) => ({
  id: r['zone_id']!,
  population: Number(r['population']),
  lowLying: Number(r['low_lying_share']),
}));
const weather = new Map(
  csvRows(await readFile(path.join(ROOT, 'data/rainfall/seattle-weather.csv'), 'utf8')).map((r) => [
    r['date']!,
    { rain: Number(r['precipitation']), wind: Number(r['wind']) },
  ]),
);

interface Outage {
  kind: 'power_outage' | 'water_outage';
  zone: string;
  start: number;
  end: number;
  customers: number;
}

const outages: Outage[] = [];
for (let day = Date.parse(`${FIRST}T00:00:00Z`); day <= Date.parse(`${LAST}T00:00:00Z`); day += DAY_MS) {
  const date = iso(day).slice(0, 10);
  const w = weather.get(date);
  if (!w) throw new Error(`seattle-weather.csv has no ${date}`);
  const storm = w.rain / 10 + Math.max(0, w.wind - 3.5);
  for (const z of zones) {
    const size = Math.sqrt(z.population / 800);
    const households = Math.max(1, Math.round(z.population / 3.3));
    const customers = () => Math.max(1, Math.round(households * (0.05 + 0.95 * random())));
    for (let n = random.poisson(0.006 * size * (1 + 1.5 * storm)); n > 0; n--) {
      const start = day + Math.floor(random() * 1440) * 60_000;
      const end = start + minutesOf(75, 0.9, storm) * 60_000;
      outages.push({ kind: 'power_outage', zone: z.id, start, end, customers: customers() });
      if (random() < 0.15) {
        const pumpStart = start + Math.floor(random() * ((end - start) / 60_000)) * 60_000;
        outages.push({
          kind: 'water_outage',
          zone: z.id,
          start: pumpStart,
          end: pumpStart + minutesOf(180, 0.8, storm) * 60_000,
          customers: customers(),
        });
      }
    }
    for (
      let n = random.poisson(0.003 * size * (1 + 0.8 * (w.rain / 10) * (1 + 4 * z.lowLying)));
      n > 0;
      n--
    ) {
      const start = day + Math.floor(random() * 1440) * 60_000;
      outages.push({
        kind: 'water_outage',
        zone: z.id,
        start,
        end: start + minutesOf(180, 0.8, storm) * 60_000,
        customers: customers(),
      });
    }
  }
}
outages.sort((a, b) => a.start - b.start || a.zone.localeCompare(b.zone) || a.kind.localeCompare(b.kind));
const lines = outages.map(
  (o, i) =>
    `${o.kind === 'power_outage' ? 'PO' : 'WO'}-${String(i + 1).padStart(5, '0')},${o.kind},${o.zone},${iso(o.start)},${iso(o.end)},${o.customers}`,
);
await writeFile(
  path.join(ROOT, 'data/events/olinda_outages_sim.csv'),
  `event_id,kind,zone_id,started_at,ended_at,customers_affected\n${lines.join('\n')}\n`,
);
const count = (kind: string) => outages.filter((o) => o.kind === kind).length;
console.log(`${outages.length} outages: ${count('power_outage')} power, ${count('water_outage')} water`);
