import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database, Queryable } from '@cityassist/db';
import type { Reading } from './aqi-features.ts';

export interface Sensor {
  id: string;
  lat: number;
  lon: number;
  neighbourhood: string;
  zoneId: string | null;
}

/** The readings of one sensor to read: `from <= at < to`. */
export interface ReadingWindow {
  sensorId: string;
  from: Date;
  to: Date;
}

/** A reading as served, with the dataset version that loaded it (lineage for `inputs`). */
export interface StoredReading extends Reading {
  datasetVersion: string;
}

export interface SensorReading {
  sensorId: string;
  parameter: string;
  at: Date;
  value: number;
}

/**
 * The AQI forecaster's inputs: the sensor registry (`feature_store.sensors`) and each sensor's
 * hourly series, the `sensor_pm_hourly` view of the online feature store that the air-quality
 * pipeline fills (etl/pipelines/air-quality). Serving reads what the store holds, with the dataset
 * version that put it there.
 */
export class SensorStore {
  constructor(private readonly db: Database) {}

  async sensors(): Promise<Sensor[]> {
    const rows = await this.db.query<{
      sensor_id: string;
      lat: number;
      lon: number;
      neighbourhood: string;
      zone_id: string | null;
    }>('select sensor_id, lat, lon, neighbourhood, zone_id from feature_store.sensors order by sensor_id');
    return rows.map((r) => ({
      id: r.sensor_id,
      lat: Number(r.lat),
      lon: Number(r.lon),
      neighbourhood: r.neighbourhood,
      zoneId: r.zone_id,
    }));
  }

  /**
   * Each sensor's newest reading time of a parameter, in one query for all of them; a sensor with
   * no reading of it is absent from the map. One index probe per sensor (the primary key
   * `(sensor_id, parameter, at)` read backwards), however long the table's history.
   */
  async newest(sensorIds: readonly string[], parameter: string): Promise<Map<string, Date>> {
    if (sensorIds.length === 0) return new Map();
    const rows = await this.db.query<{ sensor_id: string; at: Date }>(
      `select s.sensor_id, n.at
         from unnest($1::text[]) as s(sensor_id)
         cross join lateral (
           select o.as_of as at from feature_store.online_features o
            where o.feature_view = 'sensor_pm_hourly' and o.entity_id = s.sensor_id and o.features->>$2 is not null
            order by o.as_of desc limit 1
         ) as n`,
      [sensorIds, parameter],
    );
    return new Map(rows.map((r) => [r.sensor_id, new Date(r.at)]));
  }

  /**
   * Each sensor's readings of a parameter in its own window (`from <= at < to`), in one query for
   * all the windows. Every sensor asked about is in the map, with [] when it has none there.
   */
  async readings(windows: readonly ReadingWindow[], parameter: string): Promise<Map<string, StoredReading[]>> {
    const out = new Map<string, StoredReading[]>(windows.map((w) => [w.sensorId, []]));
    if (windows.length === 0) return out;
    const rows = await this.db.query<{ sensor_id: string; at: Date; value: number; dataset_version: string }>(
      `select o.entity_id as sensor_id, o.as_of as at, (o.features->>$2)::double precision as value, o.dataset_version
         from unnest($1::text[], $3::timestamptz[], $4::timestamptz[]) as w(sensor_id, from_at, to_at)
         join feature_store.online_features o
           on o.feature_view = 'sensor_pm_hourly' and o.entity_id = w.sensor_id
          and o.as_of >= w.from_at and o.as_of < w.to_at and o.features->>$2 is not null
        order by o.entity_id, o.as_of`,
      [
        windows.map((w) => w.sensorId),
        parameter,
        windows.map((w) => w.from.toISOString()),
        windows.map((w) => w.to.toISOString()),
      ],
    );
    for (const r of rows) {
      out.get(r.sensor_id)?.push({ at: new Date(r.at), value: Number(r.value), datasetVersion: r.dataset_version });
    }
    return out;
  }

  /**
   * Records readings pushed through the API in the `sensor_pm_hourly` view: each snapped to the
   * nearest hour as the air-quality pipeline does, merged into that hour's row (another parameter's
   * value stays), a later push for the same hour replacing the earlier value.
   */
  async write(readings: readonly SensorReading[], datasetVersion: string): Promise<void> {
    if (readings.length === 0) return;
    await this.db.query(
      `insert into feature_store.online_features (feature_view, entity_id, as_of, features, dataset_version)
       select 'sensor_pm_hourly', sensor_id, hour, jsonb_object_agg(parameter, value), $2
         from (
           select sensor_id, parameter, date_trunc('hour', at + interval '30 minutes') as hour, avg(value) as value
             from jsonb_to_recordset($1::jsonb) as x(sensor_id text, parameter text, at timestamptz, value double precision)
            group by 1, 2, 3
         ) r
        group by sensor_id, hour
        -- The ETL writes these rows in the same order, so a push racing a load never deadlocks.
        order by sensor_id, hour
       on conflict (feature_view, entity_id, as_of) do update
         set features = feature_store.online_features.features || excluded.features, dataset_version = excluded.dataset_version`,
      [
        JSON.stringify(
          readings.map((r) => ({
            sensor_id: r.sensorId,
            parameter: r.parameter,
            at: r.at.toISOString(),
            value: r.value,
          })),
        ),
        datasetVersion,
      ],
    );
  }

  /**
   * Loads the sensor registry (where each sensor stands; reference data, like the zones) unless a
   * file with the same content was loaded before. All or nothing: one transaction.
   */
  async loadSensors(sensorsFile: string): Promise<{ sensors: number; loaded: boolean }> {
    const sensors = await this.loadOnce(sensorsFile, parseSensors, async (tx, rows, source) => {
      await tx.query(
        `insert into feature_store.sensors (sensor_id, lat, lon, neighbourhood, zone_id, source)
         select sensor_id, lat, lon, neighbourhood, zone_id, $2
           from jsonb_to_recordset($1::jsonb)
             as x(sensor_id text, lat double precision, lon double precision, neighbourhood text, zone_id text)
         on conflict (sensor_id) do update set lat = excluded.lat, lon = excluded.lon,
           neighbourhood = excluded.neighbourhood, zone_id = excluded.zone_id, source = excluded.source,
           loaded_at = now()`,
        [JSON.stringify(rows), source],
      );
    });
    return { sensors: sensors.rows, loaded: sensors.loaded };
  }

  private async loadOnce<T>(
    file: string,
    parse: (text: string, file: string) => T[],
    insert: (tx: Queryable, rows: T[], source: string) => Promise<void>,
  ): Promise<{ loaded: boolean; rows: number }> {
    const text = await readFile(file, 'utf8');
    const sha256 = createHash('sha256').update(text).digest('hex');
    const source = path.basename(file);
    const seen = await this.db.query<{ sha256: string; row_count: number }>(
      'select sha256, row_count from feature_store.snapshot_load where source = $1',
      [source],
    );
    if (seen[0]?.sha256 === sha256) return { loaded: false, rows: seen[0].row_count };
    const rows = parse(text, file);
    await this.db.transaction(async (tx) => {
      await insert(tx, rows, source);
      await tx.query(
        `insert into feature_store.snapshot_load (source, sha256, row_count) values ($1, $2, $3)
         on conflict (source) do update set sha256 = excluded.sha256, row_count = excluded.row_count, loaded_at = now()`,
        [source, sha256, rows.length],
      );
    });
    return { loaded: true, rows: rows.length };
  }
}

/** RFC 4180 cells of one line (a field is quoted only when it holds a comma or a quote). */
function cellsOf(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted && ch === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      out.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  out.push(field);
  return out;
}

function tableOf(text: string, file: string, header: string): string[][] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines[0] !== header) throw new Error(`${file}: header must be ${header}`);
  const width = header.split(',').length;
  return lines.slice(1).map((line, i) => {
    const cells = cellsOf(line);
    if (cells.length !== width) throw new Error(`${file}:${i + 2}: ${cells.length} cells, expected ${width}`);
    return cells;
  });
}

export function parseSensors(
  text: string,
  file = 'sensors',
): { sensor_id: string; zone_id: string | null; neighbourhood: string; lat: number; lon: number }[] {
  return tableOf(text, file, 'sensor_id,zone_id,neighbourhood,lat,lon').map(
    ([id, zone, neighbourhood, lat, lon], i) => {
      const la = Number(lat);
      const lo = Number(lon);
      if (!id || !Number.isFinite(la) || !Number.isFinite(lo) || Math.abs(la) > 90 || Math.abs(lo) > 180) {
        throw new Error(`${file}:${i + 2}: a sensor needs an id and a valid lat/lon`);
      }
      return { sensor_id: id, zone_id: zone || null, neighbourhood: neighbourhood!, lat: la, lon: lo };
    },
  );
}
