/**
 * Cuts the committed sensor-readings snapshot (data/airquality/olinda-sim/) out of the AQI
 * simulator's output: the last `--days` days of one parameter for every sensor, plus the sensor
 * table, in OpenAQ's long format: the committed raw extract the `air-quality` pipeline loads
 * (etl/pipelines/air-quality). Run it again only to regenerate it (see
 * data/airquality/olinda-sim/SOURCE.md):
 *
 *   cd training && /usr/bin/python3 -m cityassist_training.aqi.simulate --out /tmp/olinda.csv \
 *     --sensors-out /tmp/olinda_sensors.csv --seed 7 --start 2015-01-01 --end 2016-01-01
 *   cd .. && npx tsx etl/aqi/prepare-sensor-snapshot.ts --readings /tmp/olinda.csv --sensors /tmp/olinda_sensors.csv
 *
 * Readings are kept as the simulator stamped them (on the hour, UTC). Its deliberate
 * retransmissions (the same sensor and hour twice) become one row, their mean, so the extract
 * passes the pipeline's unique-reading rule; missing hours stay absent, as in a real feed.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

const HOUR_MS = 3_600_000;

const { values: args } = parseArgs({
  options: {
    readings: { type: 'string' },
    sensors: { type: 'string' },
    out: { type: 'string', default: path.resolve(import.meta.dirname, '../../data/airquality/olinda-sim') },
    parameter: { type: 'string', default: 'pm25' },
    days: { type: 'string', default: '14' },
  },
});
if (!args.readings || !args.sensors) {
  console.error(
    'usage: tsx etl/aqi/prepare-sensor-snapshot.ts --readings <long csv> --sensors <sensors csv> [--out dir] [--parameter pm25] [--days 14]',
  );
  process.exit(2);
}
const days = Number(args.days);
if (!Number.isInteger(days) || days < 7) {
  // The model's longest window is 168 h: fewer days than that cannot feed a single forecast.
  console.error('--days must be an integer of at least 7 (the model reads 168 hours)');
  process.exit(2);
}

/** RFC 4180 fields of one line: pandas quotes a field only when it holds a comma or a quote. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      out.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  out.push(field);
  return out;
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function readTable(text: string, file: string, required: string[]): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  const header = splitCsvLine(lines[0] ?? '');
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new Error(`${file}: no column ${missing.join(', ')} (found ${header.join(', ')})`);
  }
  return lines.slice(1).map((line, i) => {
    const cells = splitCsvLine(line);
    if (cells.length !== header.length) throw new Error(`${file}:${i + 2}: ${cells.length} cells`);
    return Object.fromEntries(header.map((h, j) => [h, cells[j]!]));
  });
}

const readingsText = await readFile(args.readings, 'utf8');
const sensorsText = await readFile(args.sensors, 'utf8');
const readings = readTable(readingsText, args.readings, ['location_id', 'datetime', 'parameter', 'value']);
const sensors = readTable(sensorsText, args.sensors, [
  'location_id',
  'zone_id',
  'neighbourhood',
  'lon',
  'lat',
]);

const chosen = readings.filter((r) => r['parameter'] === args.parameter);
if (chosen.length === 0) throw new Error(`${args.readings}: no ${args.parameter} readings`);
const times = chosen.map((r) => Date.parse(r['datetime']!));
if (times.some(Number.isNaN)) throw new Error(`${args.readings}: an unparseable datetime`);
const last = times.reduce((a, b) => Math.max(a, b), -Infinity);
// The last `days` whole days, ending with the newest hour: 24·days hourly slots.
const from = last - (days * 24 - 1) * HOUR_MS;

const slots = new Map<string, { sensor: string; at: number; sum: number; n: number }>();
chosen.forEach((r, i) => {
  const at = times[i]!;
  if (at < from) return;
  const value = Number(r['value']);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${args.readings}: bad value ${r['value']}`);
  const key = `${r['location_id']}|${at}`;
  const slot = slots.get(key) ?? { sensor: r['location_id']!, at, sum: 0, n: 0 };
  slot.sum += value;
  slot.n += 1;
  slots.set(key, slot);
});
const rows = [...slots.values()].sort((a, b) => a.sensor.localeCompare(b.sensor) || a.at - b.at);
const merged = rows.filter((s) => s.n > 1).length;

const readingsCsv =
  'location_id,datetime,parameter,value,unit\n' +
  rows
    .map(
      (s) =>
        `${s.sensor},${new Date(s.at).toISOString().replace('.000Z', 'Z')},${args.parameter},${(s.sum / s.n).toFixed(1)},µg/m³`,
    )
    .join('\n') +
  '\n';
const sensorsCsv =
  'sensor_id,zone_id,neighbourhood,lat,lon\n' +
  sensors
    .map((s) =>
      [s['location_id']!, s['zone_id']!, s['neighbourhood']!, s['lat']!, s['lon']!].map(csvField).join(','),
    )
    .join('\n') +
  '\n';

await mkdir(args.out, { recursive: true });
const readingsFile = path.join(args.out, `${args.parameter}_readings.openaq.csv`);
const sensorsFile = path.join(args.out, 'sensors.csv');
await writeFile(readingsFile, readingsCsv);
await writeFile(sensorsFile, sensorsCsv);
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
console.log(
  JSON.stringify(
    {
      from: new Date(from).toISOString(),
      to: new Date(last).toISOString(),
      rows: rows.length,
      mergedRetransmissions: merged,
      sensors: sensors.length,
      sha256: {
        input: sha(readingsText),
        [path.basename(readingsFile)]: sha(readingsCsv),
        [path.basename(sensorsFile)]: sha(sensorsCsv),
      },
    },
    null,
    2,
  ),
);
