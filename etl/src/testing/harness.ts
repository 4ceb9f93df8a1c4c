import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type Database, type TestDatabase } from '@cityassist/db';
import { FolderOfflineStore, migrateFeatureStore } from '@cityassist/feature-store';
import type { RunnerDeps } from '../runner.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/** A migrated feature store on a test database and a temp folder, removed on dispose. */
export async function openTestStore(cfg: TestDatabase): Promise<
  RunnerDeps & {
    db: Database;
    dir: string;
    offline: FolderOfflineStore;
    write(name: string, text: string): Promise<string>;
  } & AsyncDisposable
> {
  const dir = await mkdtemp(path.join(tmpdir(), 'etl-'));
  const db = await openDatabase(cfg);
  await migrateFeatureStore(db);
  return {
    db,
    dir,
    offline: new FolderOfflineStore(path.join(dir, 'offline')),
    tempDir: path.join(dir, 'tmp'),
    repoRoot: REPO_ROOT,
    async write(name, text) {
      const file = path.join(dir, name);
      await writeFile(file, text);
      return file;
    },
    async [Symbol.asyncDispose]() {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** OpenAQ long CSV from rows of [location, time, parameter, value, unit]. */
export function openAqCsv(
  rows: readonly (readonly [string, string, string, number | string, string])[],
): string {
  return `location_id,datetime,parameter,value,unit\n${rows.map((r) => r.join(',')).join('\n')}\n`;
}
