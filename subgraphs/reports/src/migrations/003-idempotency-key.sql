-- Idempotency keys of createReport and submitReport (draft-ietf-httpapi-idempotency-key-header): a
-- retried request finds the report its first attempt made instead of filing a duplicate. One row
-- per caller and key, written in the same transaction as the report it names, so two concurrent
-- requests with one key cannot both write a report: the second waits on the primary key and then
-- reads the first's row.
create table reports.idempotency_key (
  -- The hashed principal id the gateway forwards: keys are the caller's own, never shared.
  principal text not null,
  key text not null check (length(key) between 1 and 255),
  operation text not null check (operation in ('createReport', 'submitReport')),
  -- SHA-256 (hex) of the canonical request: the operation, its normalised input, the photo's bytes.
  request_hash text not null check (request_hash ~ '^[0-9a-f]{64}$'),
  -- Deferred: the key is claimed first in the transaction, before the report row exists.
  report_id uuid not null references reports.report (id) on delete cascade deferrable initially deferred,
  created_at timestamptz not null default now(),
  primary key (principal, key)
);
-- Keys older than 24 hours count for nothing and are purged at start and every hour.
create index idempotency_key_created_idx on reports.idempotency_key (created_at);
