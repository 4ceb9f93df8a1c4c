/**
 * The data platform, against DuckDB doing the bare minimum on the same files in the same run:
 *
 * - one year of hourly readings for 100 sensors (876,000 rows, OpenAQ long CSV, generated here)
 *   through the air-quality pipeline (ingest → validate → transform → load into the offline and
 *   online stores) vs DuckDB's own CSV → Parquet copy: rows per second and peak memory;
 * - a point-in-time export of 1,000,000 labels against the loaded view vs DuckDB's bare ASOF join.
 *
 * Each task runs in its own process (peak RSS is its own), alternating ours and the baseline,
 * RUNS times; medians and their ratio are printed. `npm run bench:etl [-- --runs 3 --postgres URL]`.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ratio } from './lib.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    postgres: { type: 'string' },
    sensors: { type: 'string', default: '100' },
  },
});
const RUNS = Number(values.runs);
const SENSORS = Number(values.sensors);
const HOURS = 8760;
const LABELS = 1_000_000;
const START = Date.parse('2015-01-01T00:00:00Z');

async function write(file: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const line of lines) {
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

function* readings(): Generator<string> {
  yield 'location_id,datetime,parameter,value,unit\n';
  // Deterministic: a daily cycle plus a per-sensor level, no random source to vary between runs.
  for (let s = 0; s < SENSORS; s++) {
    let chunk = '';
    for (let h = 0; h < HOURS; h++) {
      const value = (
        8 +
        (s % 13) +
        6 * Math.sin((2 * Math.PI * h) / 24) +
        ((h * 7919 + s * 104729) % 17) / 4
      ).toFixed(2);
      chunk += `sensor-${s},${new Date(START + h * 3_600_000).toISOString()},pm25,${value},µg/m³\n`;
    }
    yield chunk;
  }
}

function* labels(): Generator<string> {
  yield 'sensor_id,label_time,label\n';
  let chunk = '';
  for (let i = 0; i < LABELS; i++) {
    const s = (i * 2654435761) % SENSORS;
    const t = START + ((i * 40503) % (HOURS * 3600)) * 1000;
    chunk += `sensor-${s},${new Date(t).toISOString()},${i % 2}\n`;
    if (chunk.length > 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

interface TaskResult {
  task: string;
  ms: number;
  maxRssMiB: number;
  [k: string]: unknown;
}

function runTask(args: string[]): Promise<TaskResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'etl', 'task.ts'), ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as TaskResult)
        : reject(new Error(`${args[0]} exited ${code}`)),
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = await mkdtemp(path.join(tmpdir(), 'bench-etl-'));
try {
  const csv = path.join(dir, 'readings.csv');
  const labelFile = path.join(dir, 'labels.csv');
  let t = performance.now();
  await write(csv, readings());
  await write(labelFile, labels());
  console.log(
    `generated ${SENSORS * HOURS} readings and ${LABELS} labels in ${Math.round(performance.now() - t)} ms`,
  );

  const ours: TaskResult[] = [];
  const base: TaskResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    const work = path.join(dir, `run-${i}`);
    base.push(await runTask(['duckdb-copy', csv, work]));
    ours.push(await runTask(['pipeline', csv, work, ...(values.postgres ? [values.postgres] : [])]));
  }
  const rows = SENSORS * HOURS;
  const oursMs = median(ours.map((r) => r.ms));
  const baseMs = median(base.map((r) => r.ms));
  console.log(
    '\ningest → validate → transform → load, %d rows (%s online store)',
    rows,
    values.postgres ? 'Postgres' : 'PGlite',
  );
  console.table({
    'air-quality pipeline': {
      'median ms': Math.round(oursMs),
      'rows/s': Math.round(rows / (oursMs / 1000)),
      'peak RSS MiB': Math.round(median(ours.map((r) => r.maxRssMiB))),
      status: ours[0]!['status'],
    },
    'DuckDB CSV→Parquet copy': {
      'median ms': Math.round(baseMs),
      'rows/s': Math.round(rows / (baseMs / 1000)),
      'peak RSS MiB': Math.round(median(base.map((r) => r.maxRssMiB))),
    },
  });
  console.log(
    `time ratio pipeline / DuckDB copy: ${ratio(oursMs, baseMs)}× (runs: ${ours.map((r) => Math.round(r.ms)).join(', ')} vs ${base.map((r) => Math.round(r.ms)).join(', ')})`,
  );

  // The export reads the first run's store (one dataset version of the whole year).
  const work = path.join(dir, 'run-0');
  const pit: TaskResult[] = [];
  const bare: TaskResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(await runTask(['duckdb-asof', labelFile, work]));
    pit.push(await runTask(['export', labelFile, work, ...(values.postgres ? [values.postgres] : [])]));
  }
  t = median(pit.map((r) => r.ms));
  const b = median(bare.map((r) => r.ms));
  console.log(`\npoint-in-time export, ${LABELS} labels`);
  console.table({
    'features export (ours)': {
      'median s': Math.round(t) / 1000,
      'peak RSS MiB': Math.round(median(pit.map((r) => r.maxRssMiB))),
      unmatched: pit[0]!['unmatched'],
    },
    'DuckDB bare ASOF join': {
      'median s': Math.round(b) / 1000,
      'peak RSS MiB': Math.round(median(bare.map((r) => r.maxRssMiB))),
    },
  });
  console.log(`time ratio export / bare ASOF: ${ratio(t, b)}×`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
