import { randomUUID } from 'node:crypto';
import type { Database } from '@cityassist/db';
import type { CitizenReport, ReportCategory, ReportStatus } from './report.type.ts';

interface ReportRow {
  id: string;
  zone_id: string;
  created_at: Date;
  description: string;
  category: ReportCategory;
  status: ReportStatus;
}

const toReport = (r: ReportRow): CitizenReport => ({
  id: r.id,
  zone: { id: r.zone_id },
  createdAt: new Date(r.created_at),
  description: r.description,
  category: r.category,
  status: r.status,
});

export class ReportRepository {
  constructor(private readonly db: Database) {}

  async create(input: {
    zoneId: string;
    description: string;
    category: ReportCategory;
  }): Promise<CitizenReport> {
    const rows = await this.db.query<ReportRow>(
      `insert into reports.report (id, zone_id, description, category) values ($1, $2, $3, $4) returning *`,
      [randomUUID(), input.zoneId, input.description, input.category],
    );
    return toReport(rows[0]!);
  }

  async byId(id: string): Promise<CitizenReport | undefined> {
    const rows = await this.db.query<ReportRow>('select * from reports.report where id = $1', [id]);
    return rows[0] && toReport(rows[0]);
  }

  /** Reports of many zones in one query, newest first, grouped in the order of `zoneIds`. */
  async byZones(zoneIds: readonly string[], status: ReportStatus | null): Promise<CitizenReport[][]> {
    const rows = await this.db.query<ReportRow>(
      `select * from reports.report
        where zone_id = any($1::text[]) and ($2::text is null or status = $2)
        order by created_at desc, id`,
      [zoneIds, status],
    );
    const grouped = new Map<string, CitizenReport[]>(zoneIds.map((id) => [id, []]));
    for (const r of rows) grouped.get(r.zone_id)?.push(toReport(r));
    return zoneIds.map((id) => grouped.get(id) ?? []);
  }
}
