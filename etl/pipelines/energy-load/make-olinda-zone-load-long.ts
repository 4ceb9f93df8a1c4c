/**
 * Writes data/energy/olinda_zone_load_long.csv, the per-zone long form (`zone_id,datetime,load_kw`)
 * of the last 24 hours of data/energy/olinda_zone_load.csv (SIMULATED; see data/energy/SOURCE.md).
 * Values are copied as written; an empty cell (a lost reading) becomes no row, so the hour shows up
 * as missing rather than as zero. Deterministic:
 *
 *   node --import tsx etl/pipelines/energy-load/make-olinda-zone-load-long.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const HOURS = 24;

const [header, ...lines] = (await readFile(path.join(ROOT, 'data/energy/olinda_zone_load.csv'), 'utf8'))
  .trim()
  .split('\n');
const columns = header!.split(',');
if (columns[0] !== 'at_utc' || columns[1] !== 'temp_c') {
  throw new Error(`unexpected header ${columns.slice(0, 3).join(',')}…`);
}
const zones = columns.slice(2);
const rows = lines.slice(-HOURS).map((l) => l.split(','));
const out = ['zone_id,datetime,load_kw'];
let missing = 0;
for (const [z, zone] of zones.entries()) {
  for (const r of rows) {
    const value = r[z + 2];
    if (value === undefined || value === '') missing++;
    else out.push(`${zone},${r[0]},${value}`);
  }
}
await writeFile(path.join(ROOT, 'data/energy/olinda_zone_load_long.csv'), `${out.join('\n')}\n`);
console.log(`${out.length - 1} readings, ${missing} missing, ${rows[0]![0]} … ${rows.at(-1)![0]}`);
