-- Issue 5: reports with a location and a photo, the image model's triage, the workflow's audit
-- trail, and the zones' flood levels the triage weighs.
alter table reports.report
  add column seq bigserial,
  add column lat double precision check (lat between -90 and 90),
  add column lon double precision check (lon between -180 and 180),
  -- false when the citizen gave no category and the service chose it.
  add column category_chosen boolean not null default true,
  add column photo_key text unique,
  add column photo_content_type text,
  add column photo_width int,
  add column photo_height int,
  add column photo_bytes int,
  -- none: no photo; pending: the model has not answered (retried); done; failed: the model cannot read it.
  add column triage_state text not null default 'none'
    check (triage_state in ('none', 'pending', 'done', 'failed')),
  add column updated_at timestamptz not null default now(),
  add constraint report_status_check
    check (status in ('OPEN', 'TRIAGED', 'IN_PROGRESS', 'RESOLVED', 'REJECTED')),
  add constraint report_photo_check
    check ((photo_key is null) = (triage_state = 'none'));

-- `reports(filter, first, after)` pages newest first by insertion order.
create unique index report_seq_idx on reports.report (seq);
-- The triage retry reads the untriaged reports, oldest first.
create index report_pending_triage_idx on reports.report (created_at) where triage_state = 'pending';

create table reports.report_triage (
  report_id uuid primary key references reports.report (id) on delete cascade,
  label text not null,
  confidence double precision not null check (confidence between 0 and 1),
  scores jsonb not null,
  priority text not null check (priority in ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
  needs_review boolean not null,
  flood_level text check (flood_level in ('LOW', 'MODERATE', 'HIGH', 'SEVERE')),
  model_name text not null,
  model_version text not null,
  region jsonb not null,
  heatmap_key text not null unique,
  triaged_at timestamptz not null default now()
);
create index report_triage_priority_idx on reports.report_triage (priority);

-- Who changed a report's status, when, and why; `from_status` is null for the submission.
create table reports.report_transition (
  id bigserial primary key,
  report_id uuid not null references reports.report (id) on delete cascade,
  from_status text,
  to_status text not null,
  actor text not null,
  note text check (length(note) <= 1000),
  at timestamptz not null default now()
);
create index report_transition_report_idx on reports.report_transition (report_id, id);

-- The latest flood level per zone, from the predictions service's flood.levels events.
create table reports.zone_flood_level (
  zone_id text primary key,
  level text not null check (level in ('LOW', 'MODERATE', 'HIGH', 'SEVERE')),
  as_of timestamptz not null,
  received_at timestamptz not null default now()
);
