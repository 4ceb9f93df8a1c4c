import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '@cityassist/db';

export interface ZoneFeatures {
  zoneId: string;
  asOf: Date;
  values: Record<string, number | null>;
}

/**
 * Reads model inputs per zone from `feature_store.zone_features`. Serving never computes a feature
 * itself: what the model sees is what the store holds, and the store records when and from where.
 */
export class FeatureStore {
  constructor(private readonly db: Database) {}

  /** The newest features of each zone (at or before `at` when given), in one query. */
  async latest(zoneIds: readonly string[], at?: Date): Promise<Map<string, ZoneFeatures>> {
    const rows = await this.db.query<{
      zone_id: string;
      as_of: Date;
      features: Record<string, number | null>;
    }>(
      `select distinct on (zone_id) zone_id, as_of, features
         from feature_store.zone_features
        where zone_id = any($1::text[]) and ($2::timestamptz is null or as_of <= $2)
        order by zone_id, as_of desc`,
      [zoneIds, at ?? null],
    );
    return new Map(
      rows.map((r) => [r.zone_id, { zoneId: r.zone_id, asOf: new Date(r.as_of), values: r.features }]),
    );
  }

  /** Records one observation of a zone's features (a newer row wins in `latest`). */
  async write(
    zoneId: string,
    asOf: Date,
    values: Record<string, number | null>,
    source: string,
  ): Promise<void> {
    await this.db.query(
      `insert into feature_store.zone_features (zone_id, as_of, features, source) values ($1, $2, $3, $4)
       on conflict (zone_id, as_of) do update set features = excluded.features, source = excluded.source, loaded_at = now()`,
      [zoneId, asOf.toISOString(), JSON.stringify(values), source],
    );
  }

  /**
   * Loads a snapshot CSV (`zone_id,as_of,<feature>,…`, empty cell = missing) unless a file with the
   * same content was loaded before. All rows or none: it runs in one transaction.
   */
  async loadSnapshot(file: string): Promise<{ loaded: boolean; rows: number }> {
    const text = await readFile(file, 'utf8');
    const sha256 = createHash('sha256').update(text).digest('hex');
    const source = path.basename(file);
    const seen = await this.db.query<{ sha256: string; row_count: number }>(
      'select sha256, row_count from feature_store.snapshot_load where source = $1',
      [source],
    );
    if (seen[0]?.sha256 === sha256) return { loaded: false, rows: seen[0].row_count };
    const records = parseSnapshot(text, file);
    await this.db.transaction(async (tx) => {
      await tx.query(
        `insert into feature_store.zone_features (zone_id, as_of, features, source)
         select zone_id, as_of, features, $2 from jsonb_to_recordset($1::jsonb) as x(zone_id text, as_of timestamptz, features jsonb)
         on conflict (zone_id, as_of) do update set features = excluded.features, source = excluded.source, loaded_at = now()`,
        [JSON.stringify(records), source],
      );
      await tx.query(
        `insert into feature_store.snapshot_load (source, sha256, row_count) values ($1, $2, $3)
         on conflict (source) do update set sha256 = excluded.sha256, row_count = excluded.row_count, loaded_at = now()`,
        [source, sha256, records.length],
      );
    });
    return { loaded: true, rows: records.length };
  }
}

export function parseSnapshot(
  text: string,
  file = 'snapshot',
): { zone_id: string; as_of: string; features: Record<string, number | null> }[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',') ?? [];
  if (header[0] !== 'zone_id' || header[1] !== 'as_of' || header.length < 3) {
    throw new Error(`${file}: header must be zone_id,as_of,<feature>,…`);
  }
  const names = header.slice(2);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length) {
      throw new Error(`${file}:${i + 2}: ${cells.length} cells, expected ${header.length}`);
    }
    const asOf = new Date(cells[1]!);
    if (Number.isNaN(asOf.getTime())) throw new Error(`${file}:${i + 2}: as_of is not a timestamp`);
    const features: Record<string, number | null> = {};
    names.forEach((name, j) => {
      const cell = cells[j + 2]!.trim();
      const value = cell === '' || cell.toLowerCase() === 'nan' ? null : Number(cell);
      if (value !== null && !Number.isFinite(value)) {
        throw new Error(`${file}:${i + 2}: ${name} is not a number`);
      }
      features[name] = value;
    });
    return { zone_id: cells[0]!, as_of: asOf.toISOString(), features };
  });
}
