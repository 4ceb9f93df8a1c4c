-- Retraining triggers the service records (data drift today); a training pipeline reads and clears them.
create table predictions.retraining_trigger (
  id bigserial primary key,
  model text not null,
  version text not null,
  reason text not null,
  details jsonb not null,
  created_at timestamptz not null default now()
);
