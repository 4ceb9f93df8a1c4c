import { createHash, randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '@cityassist/db';
import {
  Catalog,
  OnlineStore,
  openDuck,
  queryRows,
  sqlIdent,
  sqlString,
  type DatasetVersionRecord,
  type DuckDBConnection,
  type ExpectationResult,
  type OfflineStore,
  type OnlineLoadRow,
  type QuarantinedRow,
  type RunRecord,
  type SourceRef,
  type StagedVersion,
} from '@cityassist/feature-store';
import type { EtlMetrics } from './metrics.ts';
import { withSpan } from '@cityassist/service-kit';
import { EtlError, errorOf } from './errors.ts';
import type { LocalSource, Pipeline, PipelineContext, RunParams, ViewOutput } from './pipeline.ts';
import { endsWithNewline, resolveSource, type S3Settings } from './sources.ts';
import { ROW_STRIDE, createIngestTables } from './ingest.ts';
import { checkedSql, ruleName } from './suite.ts';

export interface RunnerDeps {
  db: Database;
  offline: OfflineStore;
  /** Scratch space: DuckDB spill files and objects fetched from S3. */
  tempDir: string;
  repoRoot: string;
  s3?: S3Settings | undefined;
  /** e.g. '512MB'. */
  memoryLimit?: string | undefined;
  /** Prepended to the pipeline's own hash in lineage (a git commit or image tag). */
  codeVersion?: string | undefined;
  /** Where each finished run is counted (the process's /metrics). */
  metrics?: EtlMetrics | undefined;
}

export interface RunRequest {
  /** A job id when an engine runs it: a retry of the same job is the same run. */
  runId?: string | undefined;
  sources: readonly string[];
  /** What lineage records for each source instead of its path (an upload's temporary copy). */
  sourceUris?: readonly (string | undefined)[] | undefined;
  trigger: string;
  requestedBy: string;
  from?: Date | undefined;
  to?: Date | undefined;
  now?: Date | undefined;
  onProgress?: ((step: string, done: number, total?: number) => void) | undefined;
}

export type RunOutcome = 'succeeded' | 'failed' | 'rejected' | 'duplicate';

/** The run's last line on the command line, and what the graph and the engine see. */
export interface RunSummary {
  run_id: string;
  pipeline: string;
  dataset_version: string | null;
  dataset_versions: string[];
  rows_read: number;
  rows_loaded: number;
  rows_quarantined: number;
  quarantine: Record<string, number>;
  status: RunOutcome;
  error?: { code: string; message: string };
}

/** Quarantined rows kept per rule and run; beyond it they are counted, not stored. */
const QUARANTINE_KEEP = 10_000;

const TEXT_FORMATS = /\.(csv|tsv|txt|jsonl|ndjson|json)$/i;

/**
 * Runs one pipeline over one delivery: ingest → validate → transform → load. Everything a run
 * decides is recorded with it; a load is all or nothing (files staged then renamed, online rows and
 * catalog in one transaction); the same delivery loads once, even when two workers race or a job is
 * retried after a crash.
 */
export async function runPipeline(
  deps: RunnerDeps,
  pipeline: Pipeline,
  request: RunRequest,
): Promise<RunSummary> {
  const started = performance.now();
  const summary = await withSpan(
    'etl.run',
    { 'etl.pipeline': pipeline.name, 'etl.trigger': request.trigger },
    () => run(deps, pipeline, request),
  );
  deps.metrics?.observe(summary, (performance.now() - started) / 1000);
  return summary;
}

async function run(deps: RunnerDeps, pipeline: Pipeline, request: RunRequest): Promise<RunSummary> {
  const catalog = new Catalog(deps.db);
  const runId = request.runId ?? randomUUID();
  const codeVersion = await codeVersionOf(deps, pipeline);
  const params: RunParams = { from: request.from, to: request.to, now: request.now ?? new Date() };
  const summary: RunSummary = {
    run_id: runId,
    pipeline: pipeline.name,
    dataset_version: null,
    dataset_versions: [],
    rows_read: 0,
    rows_loaded: 0,
    rows_quarantined: 0,
    quarantine: {},
    status: 'failed',
  };
  const before = await catalog.startRun({
    runId,
    pipeline: pipeline.name,
    trigger: request.trigger,
    requestedBy: request.requestedBy,
    params: {
      sources: request.sources,
      ...(request.from ? { from: request.from.toISOString() } : {}),
      ...(request.to ? { to: request.to.toISOString() } : {}),
    },
    codeVersion,
  });
  // A retried job whose run already ended: report that end, do nothing again.
  if (before && before.status !== 'running' && before.status !== 'failed') return summaryOf(before);
  const progress = request.onProgress ?? (() => undefined);
  const scratch = path.join(deps.tempDir, runId);
  try {
    const sources = await withSpan('etl.ingest.resolve', { 'etl.pipeline': pipeline.name }, () =>
      Promise.all(
        request.sources.map(async (uri, i) => {
          const source = await resolveSource(uri, { tempDir: scratch, s3: deps.s3 });
          return { ...source, uri: request.sourceUris?.[i] ?? source.uri };
        }),
      ),
    );
    if (!sources.length) throw new EtlError('ETL_BAD_REQUEST', `${pipeline.name}: no source given`);
    const inputs = Object.fromEntries(
      await Promise.all(
        Object.entries(pipeline.staticInputs ?? {}).map(
          async ([name, file]) =>
            [name, await resolveSource(path.resolve(deps.repoRoot, file), { tempDir: scratch })] as const,
        ),
      ),
    );
    const refs = [...sources, ...Object.values(inputs)].map(refOf);
    const sourceKey = keyOf(pipeline.name, sources, Object.values(inputs), params);
    await catalog.recordSources(runId, refs, sourceKey);
    const earlier = await catalog.deliveredBy(sourceKey);
    if (earlier) {
      await catalog.finishRun(runId, 'duplicate', {});
      const first = await catalog.run(earlier);
      return {
        ...summary,
        status: 'duplicate',
        dataset_versions: first?.datasetVersions ?? [],
        dataset_version: first?.datasetVersions[0] ?? null,
      };
    }
    for (const s of sources) {
      if (TEXT_FORMATS.test(s.path) && !(await endsWithNewline(s.path, s.bytes))) {
        throw new EtlError(
          'ETL_TRUNCATED',
          `${s.uri}: the last line has no newline; the file was cut off (${s.bytes} bytes)`,
        );
      }
    }
    using duck = await openDuck({ tempDir: path.join(scratch, 'duckdb'), memoryLimit: deps.memoryLimit });
    const ctx: PipelineContext = {
      duck,
      sources,
      params,
      online: new OnlineStore(deps.db),
      inputs,
      progress,
    };
    await createIngestTables(duck, pipeline.suite);
    progress('ingest', 0);
    await withSpan('etl.ingest', { 'etl.pipeline': pipeline.name, 'etl.sources': sources.length }, () =>
      pipeline.ingest(ctx),
    );
    progress('validate', 0);
    const validation = await withSpan('etl.validate', { 'etl.pipeline': pipeline.name }, () =>
      validate(duck, pipeline, params),
    );
    Object.assign(summary, {
      rows_read: validation.rowsRead,
      rows_quarantined: validation.rowsQuarantined,
      quarantine: validation.counts,
    });
    await catalog.quarantineRows(runId, validation.kept);
    const failed = validation.expectations.filter((e) => !e.passed && e.severity === 'critical');
    if (failed.length) {
      const error = {
        code: 'ETL_EXPECTATIONS_FAILED',
        message: failed.map((e) => `${e.rule}: ${e.detail ?? `observed ${e.observed}`}`).join('; '),
      };
      await catalog.finishRun(runId, 'rejected', {
        ...resultOf(summary),
        expectations: validation.expectations,
        error,
      });
      return { ...summary, status: 'rejected', error };
    }
    progress('transform', 0);
    const outputs = await withSpan('etl.transform', { 'etl.pipeline': pipeline.name }, () =>
      pipeline.transform(ctx),
    );
    progress('load', 0);
    const loaded = await withSpan('etl.load', { 'etl.pipeline': pipeline.name }, () =>
      load(deps, catalog, duck, {
        runId,
        pipeline,
        request,
        refs,
        codeVersion,
        sourceKey,
        outputs,
        summary,
        validation,
      }),
    );
    if (loaded === 'duplicate') {
      await catalog.finishRun(runId, 'duplicate', resultOf(summary));
      return { ...summary, status: 'duplicate' };
    }
    return { ...summary, ...loaded, status: 'succeeded' };
  } catch (err) {
    const error = errorOf(err);
    await catalog.finishRun(runId, 'failed', { ...resultOf(summary), error }).catch(() => undefined);
    return { ...summary, status: 'failed', error };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

interface Validation {
  rowsRead: number;
  rowsQuarantined: number;
  counts: Record<string, number>;
  kept: QuarantinedRow[];
  expectations: ExpectationResult[];
}

/**
 * Types and checks `raw` into `valid` (rows breaking no row rule, inside the backfill window) and
 * the quarantine, then judges the delivery with the dataset rules. Lines DuckDB could not split
 * into the suite's columns (the rejects of read_csv) are quarantined as `malformed`.
 */
async function validate(duck: DuckDBConnection, pipeline: Pipeline, params: RunParams): Promise<Validation> {
  const suite = pipeline.suite;
  await duck.run(`create table checked as ${checkedSql(suite, 'raw')}`);
  const time = sqlIdent(pipeline.timeColumn);
  const window = [
    `len(_violations) = 0`,
    ...(params.from ? [`${time} >= ${sqlString(params.from.toISOString())}::timestamptz`] : []),
    ...(params.to ? [`${time} < ${sqlString(params.to.toISOString())}::timestamptz`] : []),
  ];
  await duck.run(
    `create table valid as select * exclude (_violations) from checked where ${window.join(' and ')}`,
  );
  const rejects = await queryRows<{ source: string; line: bigint | number; text: string; error: string }>(
    duck,
    "select source, line, any_value(text) as text, string_agg(distinct error, '; ') as error from rejects group by source, line order by source, line",
  );
  const [counts] = await queryRows<{ read: number; quarantined: number; valid: number }>(
    duck,
    `select (select count(*) from checked)::double as read,
            (select count(*) from checked where len(_violations) > 0)::double as quarantined,
            (select count(*) from valid)::double as valid`,
  );
  const byRule = await queryRows<{ rule: string; n: number }>(
    duck,
    `select rule, count(*)::double as n from (select unnest(_violations) as rule from checked) group by rule order by rule`,
  );
  const rule: Record<string, number> = Object.fromEntries(byRule.map((r) => [r.rule, r.n]));
  if (rejects.length) rule['malformed'] = rejects.length;
  const columns = Object.keys(suite.columns).map(sqlIdent).join(', ');
  const kept = await queryRows<{ rule: string; source: string; row: number; record: string }>(
    duck,
    `with q as (select ${columns}, _source, _row, unnest(_violations) as rule from checked where len(_violations) > 0),
          r as (select *, row_number() over (partition by rule order by _row) as k from q)
     select rule, _source as source, _row as row, to_json(struct_pack(${Object.keys(suite.columns)
       .map((c) => `${sqlIdent(c)} := ${sqlIdent(c)}`)
       .join(', ')}))::varchar as record
       from r where k <= ${QUARANTINE_KEEP} order by rule, _row`,
  );
  const quarantined: QuarantinedRow[] = [
    ...kept.map((r) => {
      const record = JSON.parse(r.record) as Record<string, unknown>;
      return {
        rule: r.rule,
        sourceUri: r.source,
        line: lineOf(r.row),
        row: record,
        reason: reasonOf(r.rule, record),
      };
    }),
    ...rejects.slice(0, QUARANTINE_KEEP).map((r) => ({
      rule: 'malformed',
      sourceUri: r.source,
      line: Number(r.line),
      row: { line: r.text },
      reason: r.error,
    })),
  ];
  const rowsRead = counts!.read + rejects.length;
  const rowsQuarantined = counts!.quarantined + rejects.length;
  const expectations: ExpectationResult[] = [
    ...Object.keys(suite.columns).map((c) => ({
      rule: `type:${c}`,
      severity: 'row' as const,
      passed: !rule[`type:${c}`],
      observed: rule[`type:${c}`] ?? 0,
    })),
    ...(suite.units
      ? [{ rule: 'unit', severity: 'row' as const, passed: !rule['unit'], observed: rule['unit'] ?? 0 }]
      : []),
    ...suite.rows.map((r) => ({
      rule: ruleName(r),
      severity: 'row' as const,
      passed: !rule[ruleName(r)],
      observed: rule[ruleName(r)] ?? 0,
    })),
    { rule: 'malformed', severity: 'row', passed: rejects.length === 0, observed: rejects.length },
  ];
  for (const r of suite.dataset) {
    switch (r.rule) {
      case 'row_count': {
        const n = counts!.valid;
        const passed = n >= r.min && (r.max === undefined || n <= r.max);
        expectations.push({
          rule: 'row_count',
          severity: r.severity,
          passed,
          observed: n,
          detail: `${n} valid rows, expected [${r.min}, ${r.max ?? '∞'}]`,
        });
        break;
      }
      case 'quarantine_share': {
        const share = rowsRead ? rowsQuarantined / rowsRead : 0;
        expectations.push({
          rule: 'quarantine_share',
          severity: r.severity,
          passed: share <= r.max,
          observed: share,
          detail: `${(share * 100).toFixed(2)}% of rows quarantined, at most ${(r.max * 100).toFixed(2)}%`,
        });
        break;
      }
      case 'monotonic': {
        const entity = r.entity.map(sqlIdent).join(', ');
        const [row] = await queryRows<{ n: number }>(
          duck,
          `select count(*)::double as n from (select ${sqlIdent(r.time)} < lag(${sqlIdent(r.time)}) over (partition by _source, ${entity} order by _row) as back from valid) where back`,
        );
        expectations.push({
          rule: `monotonic:${r.entity.join('+')}`,
          severity: r.severity,
          passed: row!.n === 0,
          observed: row!.n,
          detail: `${row!.n} rows earlier than the row before them for the same entity (loaded in time order)`,
        });
        break;
      }
      case 'freshness': {
        const [row] = await queryRows<{ newest: Date | null }>(
          duck,
          `select max(${sqlIdent(r.column)}) as newest from valid`,
        );
        const ageHours = row?.newest
          ? (params.now.getTime() - new Date(row.newest).getTime()) / 3_600_000
          : null;
        expectations.push({
          rule: 'freshness',
          severity: r.severity,
          passed: ageHours !== null && ageHours <= r.max_age_hours,
          observed: ageHours === null ? null : Math.round(ageHours * 10) / 10,
          detail:
            ageHours === null
              ? 'no rows'
              : `newest row is ${ageHours.toFixed(1)} h old, at most ${r.max_age_hours} h`,
        });
        break;
      }
    }
  }
  return { rowsRead, rowsQuarantined, counts: rule, kept: quarantined, expectations };
}

/** A row's line in its file (ingest numbers rows source × ROW_STRIDE + line). */
function lineOf(row: number): number {
  return Number(row) % ROW_STRIDE;
}

function reasonOf(rule: string, row: Record<string, unknown>): string {
  const [kind, column] = rule.split(':');
  switch (kind) {
    case 'type':
      return `${column} is not a valid value`;
    case 'unit':
      return 'unit not accepted (no conversion known)';
    case 'not_null':
      return `missing ${column}`;
    case 'unique':
      return `a second row for the same ${column}`;
    case 'range':
    case 'in_set':
    case 'pattern':
      return `${column}=${JSON.stringify(row[column!])} breaks ${kind}`;
    default:
      return rule;
  }
}

interface LoadInput {
  runId: string;
  pipeline: Pipeline;
  request: RunRequest;
  refs: SourceRef[];
  codeVersion: string;
  sourceKey: string;
  outputs: ViewOutput[];
  summary: RunSummary;
  validation: Validation;
}

/**
 * Writes each output as a dataset version: Parquet partitioned by date into a staging folder,
 * renamed into place, then the online rows and the catalog in one transaction. Anything that fails
 * removes the version's files; a crash between rename and commit leaves files no catalog row names,
 * which readers ignore and a sweep removes.
 */
async function load(
  deps: RunnerDeps,
  catalog: Catalog,
  duck: DuckDBConnection,
  input: LoadInput,
): Promise<Pick<RunSummary, 'dataset_version' | 'dataset_versions' | 'rows_loaded'> | 'duplicate'> {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const staging: StagedVersion[] = [];
  const versions: (Omit<DatasetVersionRecord, 'createdAt' | 'runId'> & { rows: OnlineLoadRow[] })[] = [];
  try {
    for (const out of input.outputs) {
      const [stats] = await queryRows<{ n: number; tmin: Date | null; tmax: Date | null }>(
        duck,
        `select count(*)::double as n, min(as_of) as tmin, max(as_of) as tmax from ${sqlIdent(out.table)}`,
      );
      if (!stats || stats.n === 0) throw new EtlError('ETL_NO_ROWS', `${out.view.name}: no rows to load`);
      // Unique per run, so racing workers never write the same folder; the catalog picks one winner.
      const version = `${stamp}.${createHash('sha256').update(`${input.sourceKey}\0${input.runId}`).digest('hex').slice(0, 8)}`;
      const datasetVersion = `${out.view.name}@${version}`;
      const staged = await deps.offline.stage(out.view.name, version);
      staging.push(staged);
      const partitionKey = out.view.partition === 'month' ? 'month' : 'date';
      const columns = ['entity_id', 'as_of', ...out.view.features.map((f) => f.name)]
        .map(sqlIdent)
        .join(', ');
      await duck.run(
        `copy (select ${columns}, strftime(as_of, ${sqlString(out.view.partition === 'month' ? '%Y-%m' : '%Y-%m-%d')}) as ${partitionKey} from ${sqlIdent(out.table)} order by as_of, entity_id)
           to ${sqlString(staged.dir)} (format parquet, partition_by (${partitionKey}), overwrite_or_ignore true, compression zstd)`,
      );
      const offlineUri = await staged.commit();
      const online = new OnlineStore(deps.db);
      const newestOnline = await online.newest(out.view.name);
      const newest = Math.max(newestOnline?.getTime() ?? 0, new Date(stats.tmax!).getTime());
      const since = new Date(newest - out.view.onlineWindowMs);
      const rows = await queryRows<{ entity_id: string; as_of: Date; features: string }>(
        duck,
        `select entity_id, as_of, to_json(struct_pack(${out.view.features.map((f) => `${sqlIdent(f.name)} := ${sqlIdent(f.name)}`).join(', ')}))::varchar as features
           from ${sqlIdent(out.table)} where as_of >= ${sqlString(since.toISOString())}::timestamptz
          order by entity_id, as_of`,
      );
      versions.push({
        datasetVersion,
        featureView: out.view.name,
        pipeline: input.pipeline.name,
        createdBy: input.request.requestedBy,
        sources: input.refs,
        inputs: out.inputs ?? [],
        codeVersion: input.codeVersion,
        rowCount: stats.n,
        onlineRows: rows.length,
        timeMin: stats.tmin ? new Date(stats.tmin) : null,
        timeMax: stats.tmax ? new Date(stats.tmax) : null,
        offlineUri,
        rows: rows.map((r) => ({
          entity_id: r.entity_id,
          as_of: new Date(r.as_of).toISOString(),
          features: JSON.parse(r.features) as Record<string, number | null>,
        })),
      });
      input.request.onProgress?.('load', versions.length, input.outputs.length);
    }
    const rowsLoaded = versions.reduce((n, v) => n + v.rowCount, 0);
    const result = {
      rowsRead: input.validation.rowsRead,
      rowsLoaded,
      rowsQuarantined: input.validation.rowsQuarantined,
      quarantine: input.validation.counts,
      expectations: input.validation.expectations,
    };
    const committed = await deps.db.transaction(async (tx) => {
      // Racing workers would otherwise upsert the same online rows in different orders and
      // deadlock: one commit per feature view at a time, views locked in name order.
      for (const view of [...new Set(versions.map((v) => v.featureView))].sort()) {
        await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`feature_store.view:${view}`]);
      }
      // Under the lock a racer that lost sees the winner's commit and writes nothing.
      if (await catalog.deliveredBy(input.sourceKey, tx)) return false;
      const online = new OnlineStore(tx);
      for (const v of versions) {
        await online.write(v.featureView, v.datasetVersion, v.rows);
        const view = input.outputs.find((o) => o.view.name === v.featureView)!.view;
        await online.trim(
          v.featureView,
          new Date((v.timeMax?.getTime() ?? Date.now()) - view.onlineWindowMs),
        );
      }
      await catalog.commitLoad(
        tx,
        input.runId,
        versions.map(({ rows: _rows, ...v }) => v),
        result,
      );
      return true;
    });
    if (!committed) {
      for (const staged of staging) await staged.discard().catch(() => undefined);
      return 'duplicate';
    }
    for (const v of versions) if (v.timeMax) deps.metrics?.note(v.featureView, v.timeMax);
    return {
      dataset_version: versions[0]?.datasetVersion ?? null,
      dataset_versions: versions.map((v) => v.datasetVersion),
      rows_loaded: rowsLoaded,
    };
  } catch (err) {
    // Each staged version removes what it wrote: a local folder, or an S3 prefix and its manifest.
    for (const staged of staging) await staged.discard().catch(() => undefined);
    // Another worker committed the same delivery first: this one is the duplicate.
    if (/etl_runs_one_success_per_delivery/.test((err as Error).message)) return 'duplicate';
    throw err instanceof EtlError
      ? err
      : new EtlError('ETL_LOAD_FAILED', (err as Error).message, { cause: err });
  }
}

function refOf(s: LocalSource): SourceRef {
  return { uri: s.uri, sha256: s.sha256, bytes: s.bytes };
}

/** What makes two deliveries the same: the pipeline, the bytes of every input, the window. */
function keyOf(pipeline: string, sources: LocalSource[], inputs: LocalSource[], params: RunParams): string {
  const hash = createHash('sha256').update(pipeline);
  for (const s of [...sources].sort((a, b) => a.sha256.localeCompare(b.sha256))) {
    hash.update(`\0s${s.sha256}`);
  }
  for (const s of [...inputs].sort((a, b) => a.sha256.localeCompare(b.sha256))) hash.update(`\0i${s.sha256}`);
  hash.update(`\0${params.from?.toISOString() ?? ''}\0${params.to?.toISOString() ?? ''}`);
  return hash.digest('hex');
}

const codeVersions = new Map<string, string>();

/** The pipeline's code as lineage names it: the deploy's version plus a hash of its files. */
async function codeVersionOf(deps: RunnerDeps, pipeline: Pipeline): Promise<string> {
  let hash = codeVersions.get(pipeline.name);
  if (!hash) {
    const h = createHash('sha256');
    for (const file of pipeline.codeFiles) h.update(await readFile(file));
    hash = h.digest('hex').slice(0, 12);
    codeVersions.set(pipeline.name, hash);
  }
  return deps.codeVersion ? `${deps.codeVersion}+${hash}` : hash;
}

function resultOf(s: RunSummary) {
  return { rowsRead: s.rows_read, rowsQuarantined: s.rows_quarantined, quarantine: s.quarantine };
}

function summaryOf(r: RunRecord): RunSummary {
  return {
    run_id: r.runId,
    pipeline: r.pipeline,
    dataset_version: r.datasetVersions[0] ?? null,
    dataset_versions: r.datasetVersions,
    rows_read: r.rowsRead,
    rows_loaded: r.rowsLoaded,
    rows_quarantined: r.rowsQuarantined,
    quarantine: r.quarantine,
    status: r.status as RunOutcome,
    ...(r.error ? { error: r.error } : {}),
  };
}
