/**
 * One measured task of bench/etl.bench.ts, in a process of its own so its peak resident memory
 * (getrusage maxRSS, DuckDB's native memory included) is its own. Prints one JSON line.
 */
import path from 'node:path';
import { openDatabase } from '@cityassist/db';
import {
  Catalog,
  exportTrainingSet,
  FolderOfflineStore,
  migrateFeatureStore,
  openDuck,
  sqlString,
} from '@cityassist/feature-store';
import { pipelineOf, runPipeline } from '@cityassist/etl';

const [task, input, work, extra] = process.argv.slice(2) as [string, string, string, string | undefined];
const started = performance.now();
let result: Record<string, unknown> = {};

if (task === 'duckdb-copy') {
  // The physical baseline: DuckDB's own CSV → Parquet, typed, nothing else.
  using duck = await openDuck({ tempDir: path.join(work, 'duck') });
  await duck.run(
    `copy (select * from read_csv(${sqlString(input)}, header = true)) to ${sqlString(path.join(work, 'copy.parquet'))} (format parquet, compression zstd)`,
  );
} else if (task === 'pipeline') {
  const db = await openDatabase(extra ? { url: extra } : { dataDir: path.join(work, 'pglite') });
  await migrateFeatureStore(db);
  const summary = await runPipeline(
    {
      db,
      offline: new FolderOfflineStore(path.join(work, 'offline')),
      tempDir: path.join(work, 'tmp'),
      repoRoot: process.cwd(),
    },
    pipelineOf('air-quality'),
    { sources: [input], trigger: 'bench', requestedBy: 'bench' },
  );
  await db.close();
  result = { status: summary.status, rows: summary.rows_loaded, quarantined: summary.rows_quarantined };
} else if (task === 'export') {
  const db = await openDatabase(extra ? { url: extra } : { dataDir: path.join(work, 'pglite') });
  const r = await exportTrainingSet(new Catalog(db), new FolderOfflineStore(path.join(work, 'offline')), {
    view: 'sensor_pm_hourly',
    labels: input,
    out: path.join(work, 'train.parquet'),
    tempDir: path.join(work, 'export-tmp'),
  });
  await db.close();
  result = { rows: r.rows, unmatched: r.unmatched };
} else if (task === 'duckdb-asof') {
  // The bare ASOF join over the same Parquet files: no version dedupe, no lineage.
  using duck = await openDuck({ tempDir: path.join(work, 'duck2') });
  await duck.run(`copy (
      select l.*, f.pm25 from read_csv(${sqlString(input)}, header = true) l
      asof left join read_parquet(${sqlString(path.join(work, 'offline', 'sensor_pm_hourly', '*', '*', '*.parquet'))}) f
        on f.entity_id = l.sensor_id and f.as_of <= l.label_time
    ) to ${sqlString(path.join(work, 'bare.parquet'))} (format parquet, compression zstd)`);
} else {
  throw new Error(`unknown task ${task}`);
}
process.stdout.write(
  `${JSON.stringify({ task, ms: performance.now() - started, maxRssMiB: process.resourceUsage().maxRSS / 1024, ...result })}\n`,
);
