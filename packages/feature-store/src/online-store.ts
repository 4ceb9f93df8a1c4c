import type { Queryable } from '@cityassist/db';
import { SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * A feature-store read as a span (docs/tracing.md): the view, how many entities were asked for and
 * how many rows came back. A no-op until a service registers a tracing SDK.
 */
async function readSpan<T>(
  name: string,
  view: string,
  entities: number,
  read: () => Promise<T>,
  rows: (r: T) => number,
): Promise<T> {
  return trace
    .getTracer('@cityassist/feature-store')
    .startActiveSpan(
      `feature_store.${name}`,
      { attributes: { 'feature_store.view': view, 'feature_store.entities': entities } },
      async (span) => {
        try {
          const result = await read();
          span.setAttribute('feature_store.rows', rows(result));
          return result;
        } catch (err) {
          span.recordException(err as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw err;
        } finally {
          span.end();
        }
      },
    );
}

/** One entity's feature values as of a time, and the dataset version they came from. */
export interface OnlineRow {
  entityId: string;
  asOf: Date;
  values: Record<string, number | null>;
  datasetVersion: string;
}

/** A row to load: as_of as an ISO string, values by feature name (null = missing). */
export interface OnlineLoadRow {
  entity_id: string;
  as_of: string;
  features: Record<string, number | null>;
}

/** Rows per insert statement: large enough to be fast, small enough for one jsonb parameter. */
const CHUNK = 5000;

/**
 * The online store: recent rows of each feature view per entity, in Postgres or PGlite. Serving
 * reads the newest row at or before a time, in one query for many entities.
 */
export class OnlineStore {
  constructor(private readonly db: Queryable) {}

  latest(view: string, entityIds: readonly string[], at?: Date): Promise<Map<string, OnlineRow>> {
    return readSpan(
      'latest',
      view,
      entityIds.length,
      () => this.readLatest(view, entityIds, at),
      (m) => m.size,
    );
  }

  private async readLatest(
    view: string,
    entityIds: readonly string[],
    at?: Date,
  ): Promise<Map<string, OnlineRow>> {
    const rows = await this.db.query<{
      entity_id: string;
      as_of: Date;
      features: Record<string, number | null>;
      dataset_version: string;
    }>(
      // One backward primary-key probe per entity (limit 1), not every row of each entity's window
      // sorted for distinct on: 4.8x faster for 470 zones and 2.4x for one on PGlite (72 rows each).
      `select e.entity_id, r.as_of, r.features, r.dataset_version
         from unnest($2::text[]) as e (entity_id)
        cross join lateral (
          select o.as_of, o.features, o.dataset_version from feature_store.online_features o
           where o.feature_view = $1 and o.entity_id = e.entity_id and ($3::timestamptz is null or o.as_of <= $3)
           order by o.as_of desc limit 1) r`,
      [view, entityIds, at ?? null],
    );
    return new Map(rows.map((r) => [r.entity_id, rowOf(r)]));
  }

  /** Every row of the entities in [from, to), oldest first: a model's input window. */
  range(view: string, entityIds: readonly string[], from: Date, to: Date): Promise<OnlineRow[]> {
    return readSpan(
      'range',
      view,
      entityIds.length,
      () => this.readRange(view, entityIds, from, to),
      (r) => r.length,
    );
  }

  private async readRange(
    view: string,
    entityIds: readonly string[],
    from: Date,
    to: Date,
  ): Promise<OnlineRow[]> {
    const rows = await this.db.query<{
      entity_id: string;
      as_of: Date;
      features: Record<string, number | null>;
      dataset_version: string;
    }>(
      `select entity_id, as_of, features, dataset_version from feature_store.online_features
        where feature_view = $1 and entity_id = any($2::text[]) and as_of >= $3 and as_of < $4
        order by entity_id, as_of`,
      [view, entityIds, from.toISOString(), to.toISOString()],
    );
    return rows.map(rowOf);
  }

  /** Every entity the view holds rows for, sorted. */
  async entities(view: string): Promise<string[]> {
    const rows = await this.db.query<{ entity_id: string }>(
      'select distinct entity_id from feature_store.online_features where feature_view = $1 order by entity_id',
      [view],
    );
    return rows.map((r) => r.entity_id);
  }

  /** The newest as_of of a view across all entities, or undefined when it has no rows. */
  async newest(view: string): Promise<Date | undefined> {
    const [row] = await this.db.query<{ at: Date | null }>(
      'select max(as_of) as at from feature_store.online_features where feature_view = $1',
      [view],
    );
    return row?.at ? new Date(row.at) : undefined;
  }

  /**
   * Upserts rows of one dataset version (a later version of the same entity and time wins). Call it
   * inside the load's transaction, so a failed load leaves nothing behind.
   */
  async write(view: string, datasetVersion: string, rows: readonly OnlineLoadRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      // Three array parameters unnest faster than one JSON document of rows (measured ~2× on both).
      await this.db.query(
        `insert into feature_store.online_features (feature_view, entity_id, as_of, features, dataset_version)
         select $1, entity_id, as_of, features, $2
           from unnest($3::text[], $4::timestamptz[], $5::jsonb[]) as x(entity_id, as_of, features)
         on conflict (feature_view, entity_id, as_of)
           do update set features = excluded.features, dataset_version = excluded.dataset_version`,
        [
          view,
          datasetVersion,
          chunk.map((r) => r.entity_id),
          chunk.map((r) => r.as_of),
          chunk.map((r) => JSON.stringify(r.features)),
        ],
      );
    }
  }

  /** Drops rows older than the view's window before `newest`: the online store stays small. */
  async trim(view: string, before: Date): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `with gone as (delete from feature_store.online_features where feature_view = $1 and as_of < $2 returning 1)
       select count(*)::int as n from gone`,
      [view, before.toISOString()],
    );
    return rows[0]?.n ?? 0;
  }
}

function rowOf(r: {
  entity_id: string;
  as_of: Date;
  features: Record<string, number | null>;
  dataset_version: string;
}): OnlineRow {
  return {
    entityId: r.entity_id,
    asOf: new Date(r.as_of),
    values: r.features,
    datasetVersion: r.dataset_version,
  };
}
