-- The feature store's online table: the one place serving reads per-zone model inputs from.
-- The ETL owns its rows (etl/); until it runs, a committed snapshot seeds it.
create schema if not exists feature_store;

create table feature_store.zone_features (
  zone_id text not null,
  as_of timestamptz not null,
  -- {"feature_name": value | null}; models pick their columns by name, in their metadata's order.
  features jsonb not null,
  source text not null,
  loaded_at timestamptz not null default now(),
  primary key (zone_id, as_of)
);

-- Which snapshot files were loaded, so a restart does not load one twice.
create table feature_store.snapshot_load (
  source text primary key,
  sha256 text not null,
  row_count integer not null,
  loaded_at timestamptz not null default now()
);
