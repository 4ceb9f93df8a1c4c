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

export interface SensorReading {
  sensorId: string;
  parameter: string;
  at: Date;
  value: number;
}

/**
 * Reads and writes `feature_store.sensors` and `feature_store.sensor_readings`: the AQI
 * forecaster's inputs. Like the zone features, serving reads what the store holds and the store
 * records where each row came from (`source`).
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
           select r.at from feature_store.sensor_readings r
            where r.sensor_id = s.sensor_id and r.parameter = $2
            order by r.at desc limit 1
         ) as n`,
      [sensorIds, parameter],
    );
    return new Map(rows.map((r) => [r.sensor_id, new Date(r.at)]));
  }

  /**
   * Each sensor's readings of a parameter in its own window (`from <= at < to`), in one query for
   * all the windows. Every sensor asked about is in the map, with [] when it has none there.
   */
  async readings(windows: readonly ReadingWindow[], parameter: string): Promise<Map<string, Reading[]>> {
    const out = new Map<string, Reading[]>(windows.map((w) => [w.sensorId, []]));
    if (windows.length === 0) return out;
    const rows = await this.db.query<{ sensor_id: string; at: Date; value: number }>(
      `select r.sensor_id, r.at, r.value
         from unnest($1::text[], $3::timestamptz[], $4::timestamptz[]) as w(sensor_id, from_at, to_at)
         join feature_store.sensor_readings r
           on r.sensor_id = w.sensor_id and r.parameter = $2 and r.at >= w.from_at and r.at < w.to_at
        order by r.sensor_id, r.at`,
      [
        windows.map((w) => w.sensorId),
        parameter,
        windows.map((w) => w.from.toISOString()),
        windows.map((w) => w.to.toISOString()),
      ],
    );
    for (const r of rows) out.get(r.sensor_id)?.push({ at: new Date(r.at), value: Number(r.value) });
    return out;
  }

  /** Records readings; a reading for the same sensor, parameter and time replaces the earlier one. */
  async write(readings: readonly SensorReading[], source: string): Promise<void> {
    if (readings.length === 0) return;
    await this.db.query(
      `insert into feature_store.sensor_readings (sensor_id, parameter, at, value, source)
       select sensor_id, parameter, at, value, $2
         from jsonb_to_recordset($1::jsonb) as x(sensor_id text, parameter text, at timestamptz, value double precision)
       on conflict (sensor_id, parameter, at) do update
         set value = excluded.value, source = excluded.source, loaded_at = now()`,
      [
        JSON.stringify(
          readings.map((r) => ({
            sensor_id: r.sensorId,
            parameter: r.parameter,
            at: r.at.toISOString(),
            value: r.value,
          })),
        ),
        source,
      ],
    );
  }

  /**
   * Loads the sensor table and the readings snapshot unless files with the same content were
   * loaded before (recorded in `feature_store.snapshot_load`, like the zone features). Each file is
   * all or nothing: one transaction.
   */
  async loadSnapshot(
    sensorsFile: string,
    readingsFile: string,
  ): Promise<{ sensors: number; readings: number; loaded: boolean }> {
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
    const readings = await this.loadOnce(readingsFile, parseReadings, async (tx, rows, source) => {
      await tx.query(
        `insert into feature_store.sensor_readings (sensor_id, parameter, at, value, source)
         select sensor_id, parameter, at, value, $2
           from jsonb_to_recordset($1::jsonb)
             as x(sensor_id text, parameter text, at timestamptz, value double precision)
         on conflict (sensor_id, parameter, at) do update
           set value = excluded.value, source = excluded.source, loaded_at = now()`,
        [JSON.stringify(rows), source],
      );
    });
    return { sensors: sensors.rows, readings: readings.rows, loaded: sensors.loaded || readings.loaded };
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

export function parseReadings(
  text: string,
  file = 'readings',
): { sensor_id: string; parameter: string; at: string; value: number }[] {
  return tableOf(text, file, 'sensor_id,parameter,at,value').map(([id, parameter, at, value], i) => {
    const when = new Date(at!);
    if (Number.isNaN(when.getTime())) throw new Error(`${file}:${i + 2}: at is not a timestamp`);
    const v = Number(value);
    if (value === '' || !Number.isFinite(v) || v < 0) {
      throw new Error(`${file}:${i + 2}: value must be a finite non-negative number`);
    }
    return { sensor_id: id!, parameter: parameter!, at: when.toISOString(), value: v };
  });
}
