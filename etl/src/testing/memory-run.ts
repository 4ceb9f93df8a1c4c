/**
 * Runs one pipeline over one delivery in a process of its own and prints, as its last line, JSON
 * with its resident memory before the run and at its peak, the rows and the time: a process's peak
 * is its own, which is what the constant-memory test and bench/etl-2gb compare.
 *
 *   tsx etl/src/testing/memory-run.ts <pipeline> <file> <database url> <work dir> [memory limit]
 */
import path from 'node:path';
import { openDatabase } from '@cityassist/db';
import { FolderOfflineStore, migrateFeatureStore } from '@cityassist/feature-store';
import { pipelineOf } from '../../pipelines/index.ts';
import { runPipeline } from '../runner.ts';
import { REPO_ROOT } from './harness.ts';

const [name, file, url, work, memoryLimit = '512MB'] = process.argv.slice(2);
if (!name || !file || !url || !work) {
  process.stderr.write('usage: memory-run.ts <pipeline> <file> <database url> <work dir> [memory limit]\n');
  process.exit(2);
}
const db = await openDatabase({ url, maxConnections: 2 });
await migrateFeatureStore(db);
const pipeline = pipelineOf(name);
// Everything the process needs is loaded and warm before the baseline is taken.
global.gc?.();
const baseline = process.memoryUsage.rss();
let peak = baseline;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 25);
const started = performance.now();
const summary = await runPipeline(
  {
    db,
    offline: new FolderOfflineStore(path.join(work, 'offline')),
    tempDir: path.join(work, 'tmp'),
    repoRoot: REPO_ROOT,
    memoryLimit,
  },
  pipeline,
  { sources: [file], trigger: 'test', requestedBy: 'test:memory' },
);
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
// maxRSS (KiB) also catches a peak between two samples.
peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
await db.close();
process.stdout.write(
  `${JSON.stringify({
    status: summary.status,
    error: summary.error,
    rows_read: summary.rows_read,
    rows_loaded: summary.rows_loaded,
    seconds,
    baseline_rss: baseline,
    peak_rss: peak,
  })}\n`,
);
