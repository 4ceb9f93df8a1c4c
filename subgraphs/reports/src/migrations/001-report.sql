create table reports.report (
  id uuid primary key,
  zone_id text not null,
  created_at timestamptz not null default now(),
  description text not null check (length(description) between 1 and 2000),
  category text not null,
  status text not null default 'OPEN'
);
-- Zone.reports(status) reads by zone, newest first.
create index report_zone_idx on reports.report (zone_id, status, created_at desc);
