/**
 * A 2 GB delivery, streamed: generates an OpenAQ long CSV of `--gb` gigabytes (default 2; 100
 * sensors, hour after hour) on disk, runs the air-quality pipeline over it in a process of its own
 * (ingest → validate → transform → load into the offline and online stores) and prints rows/s and
 * that process's peak resident memory above its baseline: it stays near ETL_MEMORY_LIMIT whatever
 * the size, because DuckDB spills beyond its limit and nothing else holds rows.
 *
 *   npm run bench:etl-2gb [-- --gb 2 --memory-limit 512MB --postgres URL --dir /tmp]
 *
 * Needs about 3× the delivery free on `--dir` (the file, DuckDB's spill, the Parquet written).
 * Without --postgres, a throwaway database on the local Postgres holds the online store.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createTestDatabase } from '@cityassist/db';
import { writeOpenAqDelivery } from '../etl/src/testing/big-delivery.ts';

const { values } = parseArgs({
  options: {
    gb: { type: 'string', default: '2' },
    'memory-limit': { type: 'string', default: '512MB' },
    postgres: { type: 'string' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const BYTES = Math.round(Number(values.gb) * 1e9);
const MiB = 1024 * 1024;
const root = path.resolve(import.meta.dirname, '..');

const fs = await statfs(values.dir);
if (fs.bavail * fs.bsize < 3 * BYTES) {
  console.error(
    `${values.dir}: ${((fs.bavail * fs.bsize) / 1e9).toFixed(1)} GB free, needs ${((3 * BYTES) / 1e9).toFixed(1)} GB`,
  );
  process.exit(1);
}
const dir = await mkdtemp(path.join(values.dir, 'etl-2gb-'));
const throwaway = values.postgres ? undefined : await createTestDatabase();
const url = values.postgres ?? throwaway?.url;
if (!url) {
  console.error('no Postgres: pass --postgres URL');
  process.exit(1);
}
try {
  const file = path.join(dir, 'delivery.csv');
  let t = performance.now();
  const written = await writeOpenAqDelivery(file, BYTES);
  console.log(
    `generated ${(written.bytes / 1e9).toFixed(2)} GB, ${written.rows.toLocaleString('en')} rows in ${((performance.now() - t) / 1000).toFixed(0)} s`,
  );
  t = performance.now();
  const { stdout } = await promisify(execFile)(
    path.join(root, 'node_modules/.bin/tsx'),
    [
      path.join(root, 'etl/src/testing/memory-run.ts'),
      'air-quality',
      file,
      url,
      path.join(dir, 'work'),
      values['memory-limit'],
    ],
    { cwd: root, maxBuffer: 16 * MiB },
  );
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    status: string;
    error?: { code: string; message: string };
    rows_loaded: number;
    seconds: number;
    baseline_rss: number;
    peak_rss: number;
  };
  if (r.status !== 'succeeded') throw new Error(`run ${r.status}: ${JSON.stringify(r.error)}`);
  console.log(
    JSON.stringify({
      delivery_bytes: written.bytes,
      rows: r.rows_loaded,
      seconds: Math.round(r.seconds * 10) / 10,
      rows_per_second: Math.round(r.rows_loaded / r.seconds),
      memory_limit: values['memory-limit'],
      baseline_rss_mib: Math.round(r.baseline_rss / MiB),
      peak_rss_mib: Math.round(r.peak_rss / MiB),
      peak_growth_mib: Math.round((r.peak_rss - r.baseline_rss) / MiB),
      wall_seconds_with_spawn: Math.round((performance.now() - t) / 100) / 10,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
  await throwaway?.[Symbol.asyncDispose]();
}
