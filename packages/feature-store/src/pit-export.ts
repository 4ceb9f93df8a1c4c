import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from './catalog.ts';
import { openDuck, queryRows, sqlIdent, sqlString, type DuckDBConnection } from './duckdb.ts';
import type { OfflineStore } from './offline-store.ts';
import { featureViewOf } from './views.ts';

export interface ExportRequest {
  view: string;
  /** CSV or Parquet: an entity column (entity_id, zone_id or sensor_id), a time column, labels. */
  labels: string;
  out: string;
  /** The label's time column. Default: the first of label_time, as_of, at, observed_at, time. */
  timeColumn?: string | undefined;
  /** A feature row older than this before the label is not joined (stale). Default: no limit. */
  maxAgeHours?: number | undefined;
  tempDir: string;
}

export interface ExportResult {
  out: string;
  rows: number;
  /** Labels with no feature row at or before their time. */
  unmatched: number;
  datasetVersions: string[];
}

const ENTITY_COLUMNS = ['entity_id', 'zone_id', 'sensor_id'];
const TIME_COLUMNS = ['label_time', 'as_of', 'at', 'observed_at', 'time'];

/**
 * A point-in-time correct training set: each label joined with the view's newest row at or before
 * the label's time (DuckDB's ASOF join), never a later one, across every committed dataset version
 * (for the same entity and time the newest version wins). Writes Parquet with the features, their
 * `feature_as_of` and `dataset_version` per row, plus `<out>.lineage.json` naming the versions read.
 */
export async function exportTrainingSet(
  catalog: Catalog,
  offline: OfflineStore,
  request: ExportRequest,
): Promise<ExportResult> {
  const view = featureViewOf(request.view);
  const versions = await catalog.versions({ view: view.name, limit: 100_000 });
  if (!versions.length) {
    throw new Error(`feature view ${view.name} has no dataset version yet: run its pipeline first`);
  }
  using duck = await openDuck({ tempDir: path.join(request.tempDir, 'duckdb') });
  const files: string[] = [];
  await duck.run('create table versions (dataset_version VARCHAR, created_at TIMESTAMPTZ, file VARCHAR)');
  for (const v of versions) {
    for (const file of await offline.files(v.offlineUri)) {
      files.push(file);
      await duck.run(
        `insert into versions values (${sqlString(v.datasetVersion)}, ${sqlString(v.createdAt.toISOString())}, ${sqlString(file)})`,
      );
    }
  }
  await readLabels(duck, request.labels);
  const columns = (
    await queryRows<{ column_name: string }>(duck, 'select column_name from (describe labels)')
  ).map((c) => c.column_name);
  const entity = ENTITY_COLUMNS.find((c) => columns.includes(c));
  const time = request.timeColumn ?? TIME_COLUMNS.find((c) => columns.includes(c));
  if (!entity) {
    throw new Error(
      `${request.labels}: no entity column (one of ${ENTITY_COLUMNS.join(', ')}); found ${columns.join(', ')}`,
    );
  }
  if (!time || !columns.includes(time)) {
    throw new Error(
      `${request.labels}: no time column (one of ${TIME_COLUMNS.join(', ')}); found ${columns.join(', ')}`,
    );
  }
  await duck.run(`
    create table features as
    select f.entity_id, f.as_of, ${view.features.map((x) => `f.${sqlIdent(x.name)}`).join(', ')}, v.dataset_version
      from read_parquet([${files.map(sqlString).join(', ')}], filename = true) f
      join versions v on v.file = f.filename
    qualify row_number() over (partition by f.entity_id, f.as_of order by v.created_at desc, v.dataset_version desc) = 1`);

  await duck.run(`
    create table joined as
    select l.*, f.as_of as feature_as_of, ${view.features.map((x) => `f.${sqlIdent(x.name)}`).join(', ')}, f.dataset_version
      from labels l
      asof left join features f on f.entity_id = l.${sqlIdent(entity)}::varchar and f.as_of <= l.${sqlIdent(time)}::timestamptz
`);
  if (request.maxAgeHours !== undefined) {
    // A match older than the allowed age is dropped to missing, not to an older row.
    await duck.run(`update joined set feature_as_of = null, ${view.features.map((x) => `${sqlIdent(x.name)} = null`).join(', ')}, dataset_version = null
      where feature_as_of < ${sqlIdent(time)}::timestamptz - interval ${Math.round(request.maxAgeHours * 3600)} seconds`);
  }
  const [stats] = await queryRows<{ rows: number; unmatched: number }>(
    duck,
    'select count(*)::double as rows, count(*) filter (where feature_as_of is null)::double as unmatched from joined',
  );
  const used = (
    await queryRows<{ v: string }>(
      duck,
      'select distinct dataset_version as v from joined where dataset_version is not null order by 1',
    )
  ).map((r) => r.v);
  await mkdir(path.dirname(path.resolve(request.out)), { recursive: true });
  const partial = `${request.out}.partial`;
  await rm(partial, { force: true });
  await duck.run(`copy joined to ${sqlString(partial)} (format parquet, compression zstd)`);
  await rename(partial, request.out);
  const lineage = {
    feature_view: view.name,
    labels: request.labels,
    dataset_versions: used,
    rows: stats!.rows,
    unmatched: stats!.unmatched,
    time_column: time,
    entity_column: entity,
    max_age_hours: request.maxAgeHours ?? null,
  };
  await writeFile(`${request.out}.lineage.json`, `${JSON.stringify(lineage, null, 2)}\n`);
  return { out: request.out, rows: stats!.rows, unmatched: stats!.unmatched, datasetVersions: used };
}

async function readLabels(duck: DuckDBConnection, file: string): Promise<void> {
  const reader = /\.parquet$/i.test(file)
    ? `read_parquet(${sqlString(file)})`
    : `read_csv(${sqlString(file)}, header = true, auto_detect = true)`;
  await duck.run(`create table labels as select * from ${reader}`);
}
