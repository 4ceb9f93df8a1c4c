-- Every zone-hour a flood model version scored and when it first did: joined to the outcome
-- observed for that hour (the zone_flood_observations view), it is the model's quality on real
-- outcomes (modelHealth.liveQuality). Only a prediction made before its outcome arrived counts.
create table predictions.prediction_log (
  model text not null,
  version text not null,
  entity_id text not null,
  as_of timestamptz not null,
  score double precision not null,
  made_at timestamptz not null default now(),
  primary key (model, version, entity_id, as_of)
);
create index prediction_log_time_idx on predictions.prediction_log (model, version, as_of);
