import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '@cityassist/db';
import { Catalog, migrateFeatureStore } from '@cityassist/feature-store';
import { pipelineOf, pipelines } from '../../pipelines/index.ts';
import { parseEtlProcessConfig } from '../config.ts';
import { runPipeline, type RunSummary } from '../runner.ts';
import { jobKey, submit, type EtlJob } from '../worker/engine.ts';
import { progressFor } from './progress.ts';
import { openOfflineStore } from '../offline.ts';

const USAGE = `usage:
  npm run etl -- list
  npm run etl -- run <pipeline> [--file F]... [--from ISO --to ISO] [--run-id ID]
  npm run etl -- runs [--pipeline P] [--first N]
  npm run etl -- submit <pipeline> [--file F]... [--from ISO --to ISO] [--key K] [--wait]

submit (needs DATABASE_URL): hands the run to the workers (npm run worker) on the job engine; a
backfill runs day by day, resumable; without --file it scans the pipeline's inbox. The same --key
(default: a hash of the request) twice is one run. --wait prints each run's summary.

run: without --file, the pipeline's committed raw extracts. The last line is a JSON summary
{"run_id","pipeline","dataset_version","rows_read","rows_loaded","rows_quarantined","quarantine","status"};
exit 0 when it succeeded or was a duplicate, 1 when it failed or was rejected, 2 on a usage error.`;

const repoRoot = path.resolve(import.meta.dirname, '../../..');

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function dateOf(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) {
    fail(`--${flag} ${value} is not a date (ISO 8601, e.g. 2015-03-14 or 2015-03-14T06:00Z)`);
  }
  return d;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: 'string', multiple: true },
        from: { type: 'string' },
        to: { type: 'string' },
        'run-id': { type: 'string' },
        pipeline: { type: 'string' },
        first: { type: 'string' },
        key: { type: 'string' },
        wait: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, name] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'list') {
    for (const p of pipelines) {
      process.stdout.write(
        `${JSON.stringify({ pipeline: p.name, description: p.description, formats: p.formats })}\n`,
      );
    }
    return 0;
  }
  if (command !== 'run' && command !== 'runs' && command !== 'submit') fail(`unknown command ${command}`);
  let pipeline;
  if (command === 'run' || command === 'submit') {
    if (!name) fail('run needs a pipeline name');
    try {
      pipeline = pipelineOf(name);
    } catch (err) {
      fail((err as Error).message);
    }
  }
  const from = dateOf(values.from, 'from');
  const to = dateOf(values.to, 'to');
  if (from && to && from >= to) fail('--from must be before --to');
  const config = parseEtlProcessConfig(
    process.env,
    pipelines.map((p) => p.name),
  );
  if (command === 'submit' && pipeline) {
    if (!('url' in config.database)) fail('submit needs DATABASE_URL: the job engine runs on Postgres');
    if ((from === undefined) !== (to === undefined)) fail('a backfill needs both --from and --to');
    const job: EtlJob = {
      pipeline: pipeline.name,
      sources: (values.file ?? []).map((f) => (f.startsWith('s3://') ? f : path.resolve(f))),
      from: from?.toISOString(),
      to: to?.toISOString(),
      trigger: from || to ? 'backfill' : 'submit',
      requestedBy: requester(),
    };
    const submitted = await submit(config.database.url, job, values.key ?? jobKey(job), {
      warn: () => {},
      error: (o) => process.stderr.write(`${JSON.stringify(o)}\n`),
    });
    try {
      process.stdout.write(
        `${JSON.stringify({ event: 'submitted', workflow_id: submitted.workflowId, pipeline: job.pipeline })}\n`,
      );
      if (!values.wait) return 0;
      const summaries = await submitted.result();
      for (const s of summaries) process.stdout.write(`${JSON.stringify(s)}\n`);
      return summaries.every((s) => s.status === 'succeeded' || s.status === 'duplicate') ? 0 : 1;
    } finally {
      await submitted.close();
    }
  }
  if ('dataDir' in config.database) await refuseWhileServiceRuns();
  const db = await openDatabase(config.database);
  try {
    await migrateFeatureStore(db);
    if (!pipeline) {
      const runs = await new Catalog(db).runs({
        pipeline: values.pipeline,
        limit: Number(values.first ?? 20),
      });
      for (const r of runs) process.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    const sources = values.file?.length
      ? values.file.map((f) => (f.startsWith('s3://') ? f : path.resolve(f)))
      : (pipeline.defaultSources ?? []).map((s) => path.resolve(repoRoot, s));
    const progress = progressFor(pipeline.name);
    let summary: RunSummary;
    try {
      summary = await runPipeline(
        {
          db,
          offline: openOfflineStore(config.etl),
          tempDir: path.join(config.etl.offlineDir, '.tmp'),
          repoRoot,
          s3: config.etl.s3,
          memoryLimit: config.etl.memoryLimit,
          codeVersion: config.etl.codeVersion,
        },
        pipeline,
        {
          runId: values['run-id'],
          sources,
          from,
          to,
          trigger: from || to ? 'backfill' : 'cli',
          requestedBy: requester(),
          onProgress: (step, done, total) => progress.update(step, done, total),
        },
      );
    } finally {
      progress.stop();
    }
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return summary.status === 'succeeded' || summary.status === 'duplicate' ? 0 : 1;
  } finally {
    await db.close();
  }
}

/** Who ran it, hashed: lineage says "someone at this machine", never a raw user name. */
function requester(): string {
  return `cli:${createHash('sha256').update(`cityassist:${userInfo().username}`).digest('hex').slice(0, 16)}`;
}

/**
 * PGlite is one process's database: a second process opening the service's folder would corrupt
 * it. With the service up, the run goes through the graph (runPipeline) instead.
 */
async function refuseWhileServiceRuns(): Promise<void> {
  const port = process.env['PREDICTIONS_PORT'] ?? '4003';
  const up = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(500) }).then(
    () => true,
    () => false,
  );
  if (up) {
    process.stderr.write(
      `the predictions service is running on port ${port} with the embedded database: run the pipeline through the graph (mutation runPipeline, scope features:write), stop the service first, or set DATABASE_URL\n`,
    );
    process.exit(2);
  }
}

/** The CLI: `npm run etl -- <command>` (etl/run.ts). */
export async function runCli(argv: string[]): Promise<number> {
  return main(argv);
}
