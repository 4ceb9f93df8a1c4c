import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Writes an OpenAQ long CSV of about `targetBytes`: hourly PM2.5 for `sensors` sensors, hour after
 * hour, streamed to disk with backpressure so the writer itself stays small whatever the size.
 * Returns the rows written. Values are deterministic (no randomness: runs compare).
 */
export async function writeOpenAqDelivery(
  file: string,
  targetBytes: number,
  { sensors = 100, start = Date.parse('2010-01-01T00:00:00Z') } = {},
): Promise<{ rows: number; bytes: number }> {
  const out = createWriteStream(file);
  let bytes = 0;
  let rows = 0;
  const header = 'location_id,datetime,parameter,value,unit\n';
  out.write(header);
  bytes += header.length;
  let chunk: string[] = [];
  for (let h = 0; bytes < targetBytes; h++) {
    const at = new Date(start + h * 3_600_000).toISOString();
    for (let s = 0; s < sensors; s++) {
      const value = ((h * 31 + s * 17) % 900) / 10 + 1;
      const line = `sensor-${String(s).padStart(3, '0')},${at},pm25,${value},µg/m³\n`;
      chunk.push(line);
      bytes += Buffer.byteLength(line);
      rows++;
    }
    if (chunk.length >= 5_000) {
      if (!out.write(chunk.join(''))) await once(out, 'drain');
      chunk = [];
    }
  }
  out.end(chunk.join(''));
  await once(out, 'finish');
  return { rows, bytes };
}
