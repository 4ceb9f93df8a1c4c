import { randomUUID } from 'node:crypto';
import type { Database } from '@cityassist/db';
import type { ReportPriority } from '../triage/priority.ts';
import type { ImageRegion, TriageScore } from '../triage/triage.type.ts';
import { recordTransition, type TransitionRecord } from '../workflow/workflow.repository.ts';
import { claimIdempotencyKey, type FirstUse, type IdempotentRequest } from './idempotency.ts';
import { ReportStatus, type ReportCategory } from './report.enums.ts';
import type { CitizenReport } from './report.type.ts';

interface ReportRow {
  id: string;
  seq: string;
  zone_id: string;
  created_at: Date;
  description: string;
  category: ReportCategory;
  status: ReportStatus;
  lat: number | null;
  lon: number | null;
  photo_key: string | null;
  photo_content_type: string | null;
  photo_width: number | null;
  photo_height: number | null;
  photo_bytes: number | null;
  label: string | null;
  confidence: number | null;
  scores: TriageScore[] | null;
  priority: ReportPriority | null;
  needs_review: boolean | null;
  flood_level: string | null;
  model_name: string | null;
  model_version: string | null;
  region: ImageRegion | null;
  heatmap_key: string | null;
  triaged_at: Date | null;
}

const SELECT = `select r.id, r.seq::text as seq, r.zone_id, r.created_at, r.description, r.category, r.status,
    r.lat, r.lon, r.photo_key, r.photo_content_type, r.photo_width, r.photo_height, r.photo_bytes,
    t.label, t.confidence, t.scores, t.priority, t.needs_review, t.flood_level, t.model_name,
    t.model_version, t.region, t.heatmap_key, t.triaged_at
  from reports.report r left join reports.report_triage t on t.report_id = r.id`;

const toReport = (r: ReportRow): CitizenReport => ({
  id: r.id,
  seq: r.seq,
  zone: { id: r.zone_id },
  createdAt: new Date(r.created_at),
  description: r.description,
  category: r.category,
  status: r.status,
  location: r.lat === null || r.lon === null ? null : { lat: r.lat, lon: r.lon },
  photo: r.photo_key
    ? {
        key: r.photo_key,
        contentType: r.photo_content_type!,
        width: r.photo_width!,
        height: r.photo_height!,
        byteSize: r.photo_bytes!,
      }
    : null,
  triage:
    r.label === null
      ? null
      : {
          label: r.label,
          confidence: r.confidence!,
          scores: r.scores!,
          suggestedPriority: r.priority!,
          needsReview: r.needs_review!,
          floodLevel: r.flood_level,
          model: { name: r.model_name!, version: r.model_version! },
          triagedAt: new Date(r.triaged_at!),
          explanation: { heatmapKey: r.heatmap_key!, region: r.region! },
        },
  suggestedPriority: r.priority,
});

/** A triage as stored: the model's answer, the decided priority, and where its heatmap is. */
export interface TriageRecord {
  label: string;
  confidence: number;
  scores: TriageScore[];
  priority: ReportPriority;
  needsReview: boolean;
  floodLevel: string | null;
  model: { name: string; version: string };
  region: ImageRegion;
  heatmapKey: string;
}

export interface NewReport {
  id: string;
  zoneId: string;
  description: string;
  category: ReportCategory;
  /** False when the citizen gave no category and the service chose it. */
  categoryChosen: boolean;
  location: { lat: number; lon: number } | null;
  photo: { key: string; contentType: string; width: number; height: number; byteSize: number } | null;
  /** With a photo: its triage, or null when the model did not answer (the retry will). */
  triage: TriageRecord | null;
  /** `failed` when the model cannot read the photo: no retry. */
  triageFailed?: boolean;
  status: ReportStatus;
  /** The submission and, when the model triaged it, OPEN → TRIAGED. */
  transitions: Omit<TransitionRecord, 'reportId'>[];
}

/** A report waiting for the image model. */
export interface PendingTriage {
  id: string;
  zoneId: string;
  category: ReportCategory;
  categoryChosen: boolean;
  photoKey: string;
}

export interface ReportPageFilter {
  status?: ReportStatus | null | undefined;
  category?: ReportCategory | null | undefined;
  zoneId?: string | null | undefined;
  priority?: ReportPriority | null | undefined;
}

/**
 * What writing a report came to: the report, or, for a keyed request whose key is already taken
 * (a repeat, or a concurrent twin that committed first), what the key's first use left and no row.
 */
export type Written = { kind: 'created'; report: CitizenReport } | { kind: 'taken'; first: FirstUse };

export class ReportRepository {
  constructor(private readonly db: Database) {}

  /**
   * A report filed by zone, with its first audit entry; with `idempotency`, the key is claimed
   * first in the same transaction, so nothing is written when it is taken.
   */
  async create(
    input: { zoneId: string; description: string; category: ReportCategory; actor: string },
    idempotency?: IdempotentRequest,
  ): Promise<Written> {
    const id = randomUUID();
    const first = await this.db.transaction(async (tx) => {
      const taken = idempotency && (await claimIdempotencyKey(tx, idempotency, id));
      if (taken) return taken;
      await tx.query(
        `insert into reports.report (id, zone_id, description, category) values ($1, $2, $3, $4)`,
        [id, input.zoneId, input.description, input.category],
      );
      await recordTransition(tx, { reportId: id, from: null, to: ReportStatus.OPEN, actor: input.actor });
      return undefined;
    });
    return first ? { kind: 'taken', first } : { kind: 'created', report: (await this.byId(id))! };
  }

  /**
   * Writes a submitted report, its triage and its first audit entries in one transaction; with
   * `idempotency`, the key is claimed first in it, so nothing is written when it is taken.
   */
  async insert(report: NewReport, idempotency?: IdempotentRequest): Promise<Written> {
    const triageState = !report.photo
      ? 'none'
      : report.triage
        ? 'done'
        : report.triageFailed
          ? 'failed'
          : 'pending';
    const first = await this.db.transaction(async (tx) => {
      const taken = idempotency && (await claimIdempotencyKey(tx, idempotency, report.id));
      if (taken) return taken;
      await tx.query(
        `insert into reports.report (id, zone_id, description, category, category_chosen, status, lat, lon,
           photo_key, photo_content_type, photo_width, photo_height, photo_bytes, triage_state)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [
          report.id,
          report.zoneId,
          report.description,
          report.category,
          report.categoryChosen,
          report.status,
          report.location?.lat ?? null,
          report.location?.lon ?? null,
          report.photo?.key ?? null,
          report.photo?.contentType ?? null,
          report.photo?.width ?? null,
          report.photo?.height ?? null,
          report.photo?.byteSize ?? null,
          triageState,
        ],
      );
      if (report.triage) await insertTriage(tx, report.id, report.triage);
      for (const t of report.transitions) await recordTransition(tx, { ...t, reportId: report.id });
      return undefined;
    });
    return first ? { kind: 'taken', first } : { kind: 'created', report: (await this.byId(report.id))! };
  }

  /**
   * Stores a triage that arrived after the report (the retry). Only the first triage of a report
   * counts: resolves false, changing nothing, when another replica got there first. The report
   * moves OPEN → TRIAGED when `triaged` says so; a category the service chose follows the label.
   */
  async completeTriage(
    pending: PendingTriage,
    triage: TriageRecord,
    outcome: { category: ReportCategory; triaged: boolean; actor: string; note: string },
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ status: ReportStatus; triage_state: string }>(
        'select status, triage_state from reports.report where id = $1 for update',
        [pending.id],
      );
      if (rows[0]?.triage_state !== 'pending') return false;
      await insertTriage(tx, pending.id, triage);
      const moves = outcome.triaged && rows[0].status === ReportStatus.OPEN;
      await tx.query(
        `update reports.report set triage_state = 'done', updated_at = now(),
           category = case when category_chosen then category else $2 end,
           status = case when $3::boolean then 'TRIAGED' else status end
         where id = $1`,
        [pending.id, outcome.category, moves],
      );
      if (moves) {
        await recordTransition(tx, {
          reportId: pending.id,
          from: ReportStatus.OPEN,
          to: ReportStatus.TRIAGED,
          actor: outcome.actor,
          note: outcome.note,
        });
      }
      return true;
    });
  }

  /** The model cannot read this photo: stop retrying; a person triages it. */
  async markTriageFailed(id: string): Promise<void> {
    await this.db.query(
      `update reports.report set triage_state = 'failed', updated_at = now() where id = $1 and triage_state = 'pending'`,
      [id],
    );
  }

  /** Reports with a photo the model has not answered for yet, oldest first. */
  async pendingTriage(limit: number): Promise<PendingTriage[]> {
    const rows = await this.db.query<{
      id: string;
      zone_id: string;
      category: ReportCategory;
      category_chosen: boolean;
      photo_key: string;
    }>(
      `select id, zone_id, category, category_chosen, photo_key from reports.report
        where triage_state = 'pending' order by created_at, id limit $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: r.id,
      zoneId: r.zone_id,
      category: r.category,
      categoryChosen: r.category_chosen,
      photoKey: r.photo_key,
    }));
  }

  async byId(id: string): Promise<CitizenReport | undefined> {
    const rows = await this.db.query<ReportRow>(`${SELECT} where r.id = $1`, [id]);
    return rows[0] && toReport(rows[0]);
  }

  /** Reports of many zones in one query, newest first, grouped in the order of `zoneIds`. */
  async byZones(zoneIds: readonly string[], status: ReportStatus | null): Promise<CitizenReport[][]> {
    const rows = await this.db.query<ReportRow>(
      `${SELECT}
        where r.zone_id = any($1::text[]) and ($2::text is null or r.status = $2)
        order by r.created_at desc, r.id`,
      [zoneIds, status],
    );
    const grouped = new Map<string, CitizenReport[]>(zoneIds.map((id) => [id, []]));
    for (const r of rows) grouped.get(r.zone_id)?.push(toReport(r));
    return zoneIds.map((id) => grouped.get(id) ?? []);
  }

  /** Newest first after the cursor key; fetches one extra row to tell if a next page exists. */
  async page(
    filter: ReportPageFilter,
    first: number,
    afterSeq: string | undefined,
  ): Promise<{ reports: CitizenReport[]; hasNextPage: boolean }> {
    const { where, params } = whereOf(filter);
    if (afterSeq !== undefined) where.push(`r.seq < $${params.push(afterSeq)}::bigint`);
    const clause = where.length ? `where ${where.join(' and ')}` : '';
    const rows = await this.db.query<ReportRow>(
      `${SELECT} ${clause} order by r.seq desc limit $${params.push(first + 1)}`,
      params,
    );
    return { reports: rows.slice(0, first).map(toReport), hasNextPage: rows.length > first };
  }

  async count(filter: ReportPageFilter): Promise<number> {
    const { where, params } = whereOf(filter);
    const clause = where.length ? `where ${where.join(' and ')}` : '';
    const rows = await this.db.query<{ n: number }>(
      `select count(*)::int as n from reports.report r
         left join reports.report_triage t on t.report_id = r.id ${clause}`,
      params,
    );
    return rows[0]?.n ?? 0;
  }

  /** Which of these object keys a report points at (a photo or a heatmap). */
  async referencedKeys(keys: string[]): Promise<Set<string>> {
    const rows = await this.db.query<{ key: string }>(
      `select photo_key as key from reports.report where photo_key = any($1::text[])
       union all
       select heatmap_key from reports.report_triage where heatmap_key = any($1::text[])`,
      [keys],
    );
    return new Set(rows.map((r) => r.key));
  }
}

function whereOf(filter: ReportPageFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.status) where.push(`r.status = $${params.push(filter.status)}`);
  if (filter.category) where.push(`r.category = $${params.push(filter.category)}`);
  if (filter.zoneId) where.push(`r.zone_id = $${params.push(filter.zoneId)}`);
  if (filter.priority) where.push(`t.priority = $${params.push(filter.priority)}`);
  return { where, params };
}

async function insertTriage(tx: Pick<Database, 'query'>, reportId: string, t: TriageRecord): Promise<void> {
  await tx.query(
    `insert into reports.report_triage (report_id, label, confidence, scores, priority, needs_review,
       flood_level, model_name, model_version, region, heatmap_key)
     values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10::jsonb, $11)`,
    [
      reportId,
      t.label,
      t.confidence,
      JSON.stringify(t.scores),
      t.priority,
      t.needsReview,
      t.floodLevel,
      t.model.name,
      t.model.version,
      JSON.stringify(t.region),
      t.heatmapKey,
    ],
  );
}
