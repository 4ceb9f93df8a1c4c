-- Which version of each model answers (CHAMPION), answers a share of traffic (CANARY), runs
-- beside the champion without answering (SHADOW), or does not serve (RETIRED). A version without
-- a row is RETIRED. Kept in the database so every replica and every restart agrees.
create table predictions.model_status (
  name text not null,
  version text not null,
  status text not null check (status in ('CHAMPION', 'CANARY', 'SHADOW', 'RETIRED')),
  canary_share double precision check (canary_share is null or (canary_share > 0 and canary_share <= 1)),
  updated_at timestamptz not null default now(),
  updated_by text not null,
  primary key (name, version)
);
-- One champion, one canary and one shadow per model at most: the router assumes it.
create unique index model_status_one_champion on predictions.model_status (name) where status = 'CHAMPION';
create unique index model_status_one_canary on predictions.model_status (name) where status = 'CANARY';
create unique index model_status_one_shadow on predictions.model_status (name) where status = 'SHADOW';

-- Every change of status: who (a hashed principal id, or "config" for settings applied at start),
-- when, from what, to what, and why.
create table predictions.model_audit (
  id bigserial primary key,
  name text not null,
  version text not null,
  action text not null,
  from_status text not null,
  to_status text not null,
  canary_share double precision,
  actor text not null,
  reason text,
  at timestamptz not null default now()
);
create index model_audit_name_idx on predictions.model_audit (name, at desc);

-- The settings (FLOOD_MODEL_VERSION …) applied at the last start. A setting is applied again only
-- when it changes, so a promotion made through the API survives restarts with unchanged settings.
create table predictions.model_settings (
  name text primary key,
  settings jsonb not null,
  applied_at timestamptz not null default now()
);
