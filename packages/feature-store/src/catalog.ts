import type { Database, Queryable } from '@cityassist/db';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'rejected' | 'duplicate';

export interface SourceRef {
  uri: string;
  sha256: string;
  bytes: number;
}

export interface ExpectationResult {
  rule: string;
  severity: 'critical' | 'warning' | 'row';
  passed: boolean;
  /** Rows the rule failed (row rules) or the observed value (dataset rules). */
  observed: number | string | null;
  detail?: string;
}

export interface RunRecord {
  runId: string;
  pipeline: string;
  status: RunStatus;
  trigger: string;
  requestedBy: string;
  params: Record<string, unknown>;
  sources: SourceRef[];
  codeVersion: string;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  quarantine: Record<string, number>;
  expectations: ExpectationResult[];
  datasetVersions: string[];
  error: { code: string; message: string } | null;
  attempts: number;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface DatasetVersionRecord {
  datasetVersion: string;
  featureView: string;
  runId: string;
  pipeline: string;
  createdBy: string;
  createdAt: Date;
  sources: SourceRef[];
  inputs: string[];
  codeVersion: string;
  rowCount: number;
  onlineRows: number;
  timeMin: Date | null;
  timeMax: Date | null;
  offlineUri: string;
}

export interface QuarantinedRow {
  rule: string;
  sourceUri: string;
  line: number | null;
  row: Record<string, unknown>;
  reason: string;
}

export interface RunStart {
  runId: string;
  pipeline: string;
  trigger: string;
  requestedBy: string;
  params: Record<string, unknown>;
  codeVersion: string;
}

/** Rows per quarantine insert. */
const CHUNK = 2000;

/**
 * The catalog of runs, dataset versions and quarantined rows: lineage (who, when, from what, with
 * which code) lives here, next to the online store, so a load and its lineage commit together.
 */
export class Catalog {
  constructor(private readonly db: Database) {}

  /**
   * Records the start of a run, or a new attempt of one (same run id: a job retried after a crash).
   * Returns the run as it was before this attempt, so a retry of a run that already finished does
   * nothing twice.
   */
  async startRun(start: RunStart): Promise<RunRecord | undefined> {
    const [before] = await this.db.query<RunRow>('select * from feature_store.etl_runs where run_id = $1', [
      start.runId,
    ]);
    if (before && before.status !== 'running' && before.status !== 'failed') return recordOf(before);
    await this.db.query(
      `insert into feature_store.etl_runs (run_id, pipeline, status, trigger, requested_by, params, code_version)
       values ($1, $2, 'running', $3, $4, $5, $6)
       on conflict (run_id) do update set status = 'running', attempts = feature_store.etl_runs.attempts + 1,
         error = null, finished_at = null, started_at = now()`,
      [
        start.runId,
        start.pipeline,
        start.trigger,
        start.requestedBy,
        JSON.stringify(start.params),
        start.codeVersion,
      ],
    );
    // Rows quarantined by an interrupted attempt would be counted twice.
    await this.db.query('delete from feature_store.quarantine where run_id = $1', [start.runId]);
    return before && recordOf(before);
  }

  /** The run that already loaded this exact delivery, if any. */
  /** The run that loaded this delivery, if one did; `db` lets a committing transaction ask. */
  async deliveredBy(sourceKey: string, db: Queryable = this.db): Promise<string | undefined> {
    const [row] = await db.query<{ run_id: string }>(
      `select run_id from feature_store.etl_runs where source_key = $1 and status = 'succeeded'`,
      [sourceKey],
    );
    return row?.run_id;
  }

  async recordSources(runId: string, sources: SourceRef[], sourceKey: string): Promise<void> {
    await this.db.query('update feature_store.etl_runs set sources = $2, source_key = $3 where run_id = $1', [
      runId,
      JSON.stringify(sources),
      sourceKey,
    ]);
  }

  async quarantineRows(runId: string, rows: readonly QuarantinedRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      await this.db.query(
        `insert into feature_store.quarantine (run_id, rule, source_uri, line, row, reason)
         select $1, rule, source_uri, line, row, reason
           from jsonb_to_recordset($2::jsonb) as x(rule text, source_uri text, line bigint, row jsonb, reason text)`,
        [
          runId,
          JSON.stringify(
            rows.slice(i, i + CHUNK).map((r) => ({
              rule: r.rule,
              source_uri: r.sourceUri,
              line: r.line,
              row: r.row,
              reason: r.reason,
            })),
          ),
        ],
      );
    }
  }

  /** Ends a run that loaded nothing (failed, rejected by its expectations, or a duplicate). */
  async finishRun(
    runId: string,
    status: Exclude<RunStatus, 'running' | 'succeeded'>,
    result: Partial<
      Pick<RunRecord, 'rowsRead' | 'rowsQuarantined' | 'quarantine' | 'expectations' | 'error'>
    >,
  ): Promise<void> {
    await this.db.query(
      `update feature_store.etl_runs set status = $2, rows_read = $3, rows_quarantined = $4, quarantine = $5,
         expectations = $6, error = $7, finished_at = now()
       where run_id = $1`,
      [
        runId,
        status,
        result.rowsRead ?? 0,
        result.rowsQuarantined ?? 0,
        JSON.stringify(result.quarantine ?? {}),
        JSON.stringify(result.expectations ?? []),
        result.error ? JSON.stringify(result.error) : null,
      ],
    );
  }

  /**
   * Commits a load inside `tx` (the same transaction as its online rows): the dataset versions and
   * the run's success. The unique index on a delivery's key makes a concurrent second load of the
   * same files fail here, so it can never commit twice.
   */
  async commitLoad(
    tx: Queryable,
    runId: string,
    versions: readonly Omit<DatasetVersionRecord, 'createdAt' | 'runId'>[],
    result: Pick<RunRecord, 'rowsRead' | 'rowsLoaded' | 'rowsQuarantined' | 'quarantine' | 'expectations'>,
  ): Promise<void> {
    for (const v of versions) {
      await tx.query(
        `insert into feature_store.dataset_versions (dataset_version, feature_view, run_id, pipeline, created_by, sources,
           inputs, code_version, row_count, online_rows, time_min, time_max, offline_uri)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          v.datasetVersion,
          v.featureView,
          runId,
          v.pipeline,
          v.createdBy,
          JSON.stringify(v.sources),
          v.inputs,
          v.codeVersion,
          v.rowCount,
          v.onlineRows,
          v.timeMin?.toISOString() ?? null,
          v.timeMax?.toISOString() ?? null,
          v.offlineUri,
        ],
      );
    }
    await tx.query(
      `update feature_store.etl_runs set status = 'succeeded', rows_read = $2, rows_loaded = $3, rows_quarantined = $4,
         quarantine = $5, expectations = $6, dataset_versions = $7, finished_at = now(), error = null
       where run_id = $1`,
      [
        runId,
        result.rowsRead,
        result.rowsLoaded,
        result.rowsQuarantined,
        JSON.stringify(result.quarantine),
        JSON.stringify(result.expectations),
        versions.map((v) => v.datasetVersion),
      ],
    );
  }

  async run(runId: string): Promise<RunRecord | undefined> {
    const [row] = await this.db.query<RunRow>('select * from feature_store.etl_runs where run_id = $1', [
      runId,
    ]);
    return row && recordOf(row);
  }

  async runs(filter: { pipeline?: string | undefined; limit: number }): Promise<RunRecord[]> {
    const rows = await this.db.query<RunRow>(
      `select * from feature_store.etl_runs where ($1::text is null or pipeline = $1)
        order by started_at desc, run_id limit $2`,
      [filter.pipeline ?? null, filter.limit],
    );
    return rows.map(recordOf);
  }

  async versions(filter: { view?: string | undefined; limit?: number }): Promise<DatasetVersionRecord[]> {
    const rows = await this.db.query<VersionRow>(
      `select * from feature_store.dataset_versions where ($1::text is null or feature_view = $1)
        order by created_at desc, dataset_version limit $2`,
      [filter.view ?? null, filter.limit ?? 1000],
    );
    return rows.map(versionOf);
  }

  /** Every committed version's offline location: what a sweep of the offline store must keep. */
  async offlineUris(): Promise<Set<string>> {
    const rows = await this.db.query<{ offline_uri: string }>(
      'select offline_uri from feature_store.dataset_versions',
    );
    return new Set(rows.map((r) => r.offline_uri));
  }

  async version(datasetVersion: string): Promise<DatasetVersionRecord | undefined> {
    const [row] = await this.db.query<VersionRow>(
      'select * from feature_store.dataset_versions where dataset_version = $1',
      [datasetVersion],
    );
    return row && versionOf(row);
  }

  async quarantined(runId: string, limit = 100): Promise<QuarantinedRow[]> {
    const rows = await this.db.query<{
      rule: string;
      source_uri: string;
      line: string | number | null;
      row: Record<string, unknown>;
      reason: string;
    }>('select * from feature_store.quarantine where run_id = $1 order by line nulls last limit $2', [
      runId,
      limit,
    ]);
    return rows.map((r) => ({
      rule: r.rule,
      sourceUri: r.source_uri,
      line: r.line === null ? null : Number(r.line),
      row: r.row,
      reason: r.reason,
    }));
  }
}

interface RunRow {
  run_id: string;
  pipeline: string;
  status: RunStatus;
  trigger: string;
  requested_by: string;
  params: Record<string, unknown>;
  sources: SourceRef[];
  code_version: string;
  rows_read: string | number;
  rows_loaded: string | number;
  rows_quarantined: string | number;
  quarantine: Record<string, number>;
  expectations: ExpectationResult[];
  dataset_versions: string[];
  error: { code: string; message: string } | null;
  attempts: number;
  started_at: Date;
  finished_at: Date | null;
}

interface VersionRow {
  dataset_version: string;
  feature_view: string;
  run_id: string;
  pipeline: string;
  created_by: string;
  created_at: Date;
  sources: SourceRef[];
  inputs: string[];
  code_version: string;
  row_count: string | number;
  online_rows: string | number;
  time_min: Date | null;
  time_max: Date | null;
  offline_uri: string;
}

function recordOf(r: RunRow): RunRecord {
  return {
    runId: r.run_id,
    pipeline: r.pipeline,
    status: r.status,
    trigger: r.trigger,
    requestedBy: r.requested_by,
    params: r.params,
    sources: r.sources,
    codeVersion: r.code_version,
    rowsRead: Number(r.rows_read),
    rowsLoaded: Number(r.rows_loaded),
    rowsQuarantined: Number(r.rows_quarantined),
    quarantine: r.quarantine,
    expectations: r.expectations,
    datasetVersions: r.dataset_versions,
    error: r.error,
    attempts: r.attempts,
    startedAt: new Date(r.started_at),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  };
}

function versionOf(r: VersionRow): DatasetVersionRecord {
  return {
    datasetVersion: r.dataset_version,
    featureView: r.feature_view,
    runId: r.run_id,
    pipeline: r.pipeline,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
    sources: r.sources,
    inputs: r.inputs,
    codeVersion: r.code_version,
    rowCount: Number(r.row_count),
    onlineRows: Number(r.online_rows),
    timeMin: r.time_min ? new Date(r.time_min) : null,
    timeMax: r.time_max ? new Date(r.time_max) : null,
    offlineUri: r.offline_uri,
  };
}
