import { readFile } from 'node:fs/promises';

/**
 * The energy model's feature reader: each zone's recent hourly load and the city's temperature,
 * from a wide CSV (`at_utc,temp_c,<zone id>,…`, one row per hour, an empty cell = a missing
 * reading), the committed simulated snapshot by default (data/energy/SOURCE.md). Every replica
 * reads the same file, so every replica builds the same rows. A malformed file refuses to start,
 * naming the line; nothing is guessed.
 */
export class ZoneLoads {
  private constructor(
    /** The hours of the rows, oldest first (UTC), a regular grid. */
    readonly times: Date[],
    readonly temperatures: Float64Array,
    private readonly loads: Map<string, Float64Array>,
    readonly file: string,
  ) {}

  static async fromFile(file: string, stepSeconds: number): Promise<ZoneLoads> {
    const lines = (await readFile(file, 'utf8')).split(/\r?\n/).filter((l) => l.length > 0);
    const header = lines[0]?.split(',') ?? [];
    if (header[0] !== 'at_utc' || header[1] !== 'temp_c' || header.length < 3) {
      throw new Error(`${file}: the header must be at_utc,temp_c,<zone id>,… (found ${header.slice(0, 3).join(',')})`);
    }
    const zoneIds = header.slice(2);
    if (new Set(zoneIds).size !== zoneIds.length) throw new Error(`${file}: a zone id appears twice in the header`);
    const rows = lines.slice(1);
    if (rows.length === 0) throw new Error(`${file}: no rows`);
    const times: Date[] = [];
    const temperatures = new Float64Array(rows.length);
    const loads = zoneIds.map(() => new Float64Array(rows.length));
    const cell = (text: string | undefined, line: number, column: string, min: number) => {
      if (text === undefined) throw new Error(`${file}:${line}: too few cells`);
      if (text === '') return Number.NaN;
      const v = Number(text);
      if (!Number.isFinite(v) || v < min) throw new Error(`${file}:${line}: ${column} is not a number ≥ ${min}: "${text}"`);
      return v;
    };
    rows.forEach((text, i) => {
      const line = i + 2;
      const cells = text.split(',');
      if (cells.length !== header.length) throw new Error(`${file}:${line}: ${cells.length} cells, the header has ${header.length}`);
      const at = new Date(cells[0]!);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(cells[0]!) || Number.isNaN(at.getTime())) {
        throw new Error(`${file}:${line}: at_utc is not a UTC time like 2015-06-30T23:00:00Z: "${cells[0]}"`);
      }
      const previous = times.at(-1);
      if (previous && at.getTime() - previous.getTime() !== stepSeconds * 1000) {
        throw new Error(`${file}:${line}: ${cells[0]} is not ${stepSeconds} s after the row before`);
      }
      times.push(at);
      temperatures[i] = cell(cells[1], line, 'temp_c', -90);
      zoneIds.forEach((_, z) => (loads[z]![i] = cell(cells[z + 2], line, zoneIds[z]!, 0)));
    });
    return new ZoneLoads(times, temperatures, new Map(zoneIds.map((id, z) => [id, loads[z]!])), file);
  }

  /** The newest hour of the file: every zone's forecast starts there. */
  get anchor(): Date {
    return this.times.at(-1)!;
  }

  get zoneCount(): number {
    return this.loads.size;
  }

  /** A zone's loads, oldest first with the anchor's last; undefined for a zone the file lacks. */
  loadsOf(zoneId: string): Float64Array | undefined {
    return this.loads.get(zoneId);
  }
}
