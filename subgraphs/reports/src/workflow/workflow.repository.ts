import type { Database, Queryable } from '@cityassist/db';
import { errors } from '../errors.ts';
import type { ReportStatus } from '../report/report.enums.ts';
import { canTransition, NEXT } from './workflow.ts';
import type { ReportTransition } from './workflow.type.ts';

interface TransitionRow {
  report_id: string;
  from_status: ReportStatus | null;
  to_status: ReportStatus;
  actor: string;
  note: string | null;
  at: Date;
}

export interface TransitionRecord {
  reportId: string;
  from: ReportStatus | null;
  to: ReportStatus;
  actor: string;
  note?: string | null | undefined;
}

/** Appends one entry to a report's audit trail, inside the caller's transaction. */
export async function recordTransition(tx: Queryable, t: TransitionRecord): Promise<void> {
  await tx.query(
    `insert into reports.report_transition (report_id, from_status, to_status, actor, note)
     values ($1, $2, $3, $4, $5)`,
    [t.reportId, t.from, t.to, t.actor, t.note ?? null],
  );
}

export class WorkflowRepository {
  constructor(private readonly db: Database) {}

  /**
   * Moves a report to `to` and records who did it, in one transaction that locks the row, so two
   * people acting at once cannot both move it from the same status. Resolves false when no report
   * has the id; throws INVALID_TRANSITION when the workflow does not allow the move.
   */
  async transition(id: string, to: ReportStatus, actor: string, note: string | null): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ status: ReportStatus }>(
        'select status from reports.report where id = $1 for update',
        [id],
      );
      const from = rows[0]?.status;
      if (from === undefined) return false;
      if (!canTransition(from, to)) {
        const allowed = NEXT[from];
        throw errors.INVALID_TRANSITION(
          `a ${from} report cannot become ${to}; ${allowed.length ? `allowed: ${allowed.join(', ')}` : `${from} is final`}`,
          { from, to, allowed },
        );
      }
      await tx.query('update reports.report set status = $2, updated_at = now() where id = $1', [id, to]);
      await recordTransition(tx, { reportId: id, from, to, actor, note });
      return true;
    });
  }

  /** The audit trails of many reports in one query, oldest entry first, in the order of `ids`. */
  async historyOf(ids: readonly string[]): Promise<ReportTransition[][]> {
    const rows = await this.db.query<TransitionRow>(
      `select report_id, from_status, to_status, actor, note, at from reports.report_transition
        where report_id = any($1::uuid[]) order by id`,
      [ids],
    );
    const grouped = new Map<string, ReportTransition[]>(ids.map((id) => [id, []]));
    for (const r of rows) {
      grouped.get(r.report_id)?.push({
        from: r.from_status,
        to: r.to_status,
        actor: r.actor,
        note: r.note,
        at: new Date(r.at),
      });
    }
    return ids.map((id) => grouped.get(id) ?? []);
  }
}
