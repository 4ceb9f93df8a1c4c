import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type Database, type TestDatabase } from '@cityassist/db';
import { FolderOfflineStore, migrateFeatureStore, type OfflineStore } from '@cityassist/feature-store';
import type { Pipeline } from '../pipeline.ts';
import { runPipeline, type RunnerDeps, type RunSummary } from '../runner.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * A migrated feature store on a test database and a temp folder, removed on dispose. The offline
 * store is a folder under it unless `offline` builds another (the S3 tests).
 */
export async function openTestStore<S extends OfflineStore = FolderOfflineStore>(
  cfg: TestDatabase,
  options: { offline?: (dir: string) => S } = {},
): Promise<
  RunnerDeps & {
    db: Database;
    dir: string;
    offline: S;
    write(name: string, text: string): Promise<string>;
  } & AsyncDisposable
> {
  const dir = await mkdtemp(path.join(tmpdir(), 'etl-'));
  const db = await openDatabase(cfg);
  await migrateFeatureStore(db);
  const offline = options.offline
    ? options.offline(dir)
    : (new FolderOfflineStore(path.join(dir, 'offline')) as unknown as S);
  return {
    db,
    dir,
    offline,
    tempDir: path.join(dir, 'tmp'),
    repoRoot: REPO_ROOT,
    async write(name, text) {
      const file = path.join(dir, name);
      await writeFile(file, text);
      return file;
    },
    async [Symbol.asyncDispose]() {
      offline.close?.();
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

/**
 * Delivers the same bytes twice under two names and checks the second is a duplicate of the first
 * (the same dataset versions, nothing new). Every pipeline's tests run it on its own format.
 */
export async function assertRedeliveryIsDuplicate(
  store: Awaited<ReturnType<typeof openTestStore>>,
  pipeline: Pipeline,
  text: string,
  names: readonly [string, string],
): Promise<RunSummary> {
  const request = { trigger: 'test', requestedBy: 'test:redelivery' };
  const first = await runPipeline(store, pipeline, {
    ...request,
    sources: [await store.write(names[0], text)],
  });
  assert.equal(first.status, 'succeeded', JSON.stringify(first));
  const again = await runPipeline(store, pipeline, {
    ...request,
    sources: [await store.write(names[1], text)],
  });
  assert.equal(again.status, 'duplicate');
  assert.equal(again.dataset_version, first.dataset_version);
  assert.deepEqual(again.dataset_versions, first.dataset_versions);
  return first;
}
