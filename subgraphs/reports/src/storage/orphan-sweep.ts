import type { Logger } from '@cityassist/service-kit';
import { isObjectKey, type ObjectStore } from './object-store.ts';

const PREFIXES = ['photos/', 'heatmaps/'];
const CHUNK = 500;

/**
 * Deletes stored images that no report points at and that are older than `minAgeMs`. An image is
 * stored before its row is written (a report is never a row pointing at nothing), so a crash
 * between the two leaves an image alone; the age margin spares uploads that are still in flight.
 */
export async function sweepOrphans(
  store: ObjectStore,
  referenced: (keys: string[]) => Promise<Set<string>>,
  minAgeMs: number,
  logger: Logger,
  now = new Date(),
): Promise<string[]> {
  const cutoff = now.getTime() - minAgeMs;
  const deleted: string[] = [];
  const check = async (keys: string[]) => {
    const kept = await referenced(keys);
    for (const key of keys) {
      if (kept.has(key)) continue;
      await store.delete(key);
      deleted.push(key);
    }
  };
  for (const prefix of PREFIXES) {
    let batch: string[] = [];
    for await (const object of store.list(prefix)) {
      // Objects this service did not name (a shared bucket) are not its to delete.
      if (!isObjectKey(object.key) || object.lastModified.getTime() > cutoff) continue;
      batch.push(object.key);
      if (batch.length === CHUNK) {
        await check(batch);
        batch = [];
      }
    }
    if (batch.length) await check(batch);
  }
  if (deleted.length) logger.warn({ deleted: deleted.length }, 'orphan images deleted');
  return deleted;
}
