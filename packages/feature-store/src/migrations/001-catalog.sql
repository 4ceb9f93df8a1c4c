-- The feature store's catalog and online store. The ETL writes them (etl/); serving reads the
-- online rows; training reads the offline Parquet files these rows point at.
create schema if not exists feature_store;

-- One row per pipeline run. run_id is the job's id, so a retry after a crash updates the same row.
create table feature_store.etl_runs (
  run_id text primary key,
  pipeline text not null,
  status text not null check (status in ('running', 'succeeded', 'failed', 'rejected', 'duplicate')),
  trigger text not null,
  -- The caller's hashed id, or the schedule that started the run; never a raw user id.
  requested_by text not null,
  params jsonb not null default '{}',
  -- [{"uri","sha256","bytes"}]: every input the run read, static inputs included.
  sources jsonb not null default '[]',
  -- The pipeline and its sources' hashes: the same delivery loads once (see the unique index).
  source_key text,
  code_version text not null,
  rows_read bigint not null default 0,
  rows_loaded bigint not null default 0,
  rows_quarantined bigint not null default 0,
  quarantine jsonb not null default '{}',
  expectations jsonb not null default '[]',
  dataset_versions text[] not null default '{}',
  error jsonb,
  attempts integer not null default 1,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
create unique index etl_runs_one_success_per_delivery on feature_store.etl_runs (source_key)
  where status = 'succeeded';
create index etl_runs_pipeline_started_idx on feature_store.etl_runs (pipeline, started_at desc);

-- A dataset version: what one run added to one feature view, with its lineage.
create table feature_store.dataset_versions (
  dataset_version text primary key,
  feature_view text not null,
  run_id text not null references feature_store.etl_runs (run_id),
  pipeline text not null,
  created_by text not null,
  created_at timestamptz not null default now(),
  sources jsonb not null,
  -- Dataset versions of other views this one was computed from.
  inputs text[] not null default '{}',
  code_version text not null,
  row_count bigint not null,
  online_rows bigint not null,
  time_min timestamptz,
  time_max timestamptz,
  -- Where the offline Parquet files of this version live (a folder or an s3:// prefix).
  offline_uri text not null
);
create index dataset_versions_view_idx on feature_store.dataset_versions (feature_view, created_at desc);

-- Rows a run refused, with the rule that refused them: kept to be inspected and redelivered.
create table feature_store.quarantine (
  run_id text not null references feature_store.etl_runs (run_id) on delete cascade,
  rule text not null,
  source_uri text not null,
  line bigint,
  row jsonb not null,
  reason text not null
);
create index quarantine_run_idx on feature_store.quarantine (run_id, rule);

-- The online store: recent values per feature view and entity; serving picks the newest at or
-- before the time it is asked about.
create table feature_store.online_features (
  feature_view text not null,
  entity_id text not null,
  as_of timestamptz not null,
  features jsonb not null,
  dataset_version text not null,
  primary key (feature_view, entity_id, as_of)
);
