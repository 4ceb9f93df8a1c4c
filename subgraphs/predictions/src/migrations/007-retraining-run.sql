-- Batch retraining runs (subgraphs/predictions/src/retraining/, docs/retraining.md): what started a
-- run (a drift or degradation trigger, the schedule, an operator), the candidate it trained on the
-- feature store as it was, and that candidate's hold-out metrics beside the champion's. A candidate
-- is registered SHADOW, never CHAMPION: promotion stays a person's decision (promoteModel).
create table predictions.retraining_run (
  id bigserial primary key,
  model text not null,
  trigger_kind text not null check (trigger_kind in ('drift', 'degradation', 'schedule', 'manual')),
  trigger_ids bigint[] not null default '{}',
  requested_by text not null,
  status text not null check (status in ('running', 'succeeded', 'failed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  config text not null,
  smoke boolean not null default false,
  champion_version text,
  candidate_version text,
  dataset_versions text[] not null default '{}',
  training_rows integer,
  candidate_metrics jsonb,
  champion_metrics jsonb,
  -- Both versions scored on the same rows: the candidate's hold-out in this run's export.
  same_holdout jsonb,
  durations jsonb,
  published jsonb,
  error text
);
create index retraining_run_model_idx on predictions.retraining_run (model, started_at desc);
-- One run of a model at a time, whichever worker or operator started it.
create unique index retraining_run_one_running on predictions.retraining_run (model) where status = 'running';

-- A trigger starts one run: the run that consumed it, and when.
alter table predictions.retraining_trigger
  add column consumed_by bigint references predictions.retraining_run (id),
  add column consumed_at timestamptz;
create index retraining_trigger_pending_idx on predictions.retraining_trigger (model) where consumed_by is null;
