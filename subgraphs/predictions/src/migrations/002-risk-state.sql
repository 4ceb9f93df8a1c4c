-- The last level each zone was scored at, so a re-score can tell when a zone crosses a level.
create table predictions.zone_risk_state (
  zone_id text primary key,
  level text not null,
  score double precision not null,
  model_version text not null,
  as_of timestamptz not null,
  updated_at timestamptz not null default now()
);
