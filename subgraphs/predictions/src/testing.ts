import type { TestDatabase } from '@cityassist/db';
import { TEST_ENV } from '@cityassist/service-kit/testing';
import { parseConfig, type PredictionsConfig } from './config.ts';

/**
 * The service's settings for a test: production's defaults (the committed models and snapshots),
 * except that nothing is scheduled, cached or sent to a worker thread, and any port will do.
 * `env` takes the real variable names, e.g. `{ MODEL_TIMEOUT_MS: '10' }`.
 */
export function testConfig(database: TestDatabase, env: Record<string, string> = {}): PredictionsConfig {
  return {
    ...parseConfig({
      ...TEST_ENV,
      PREDICTIONS_PORT: '0',
      FLOOD_RESCORE_SECONDS: '0',
      PREDICTION_CACHE_TTL_SECONDS: '0',
      EXPLAIN_THREADS: '0',
      INFERENCE_BATCH_WAIT_MS: '2',
      ...env,
    }),
    database,
  };
}

/**
 * A models folder for a test: the repository's models, plus a copy of `from` served as version
 * `as` of the same model (its metadata says so), so canaries, shadows and promotions can be tried
 * between two versions that answer alike. Removed by `Symbol.asyncDispose`.
 */
export async function modelsWithCopy(
  name: string,
  from: string,
  as: string,
): Promise<{ dir: string } & AsyncDisposable> {
  const { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const repoModels = path.resolve(import.meta.dirname, '../../../models');
  const dir = await mkdtemp(path.join(tmpdir(), 'models-'));
  for (const model of await readdir(repoModels)) {
    if (model !== name) {
      await symlink(path.join(repoModels, model), path.join(dir, model));
      continue;
    }
    for (const version of await readdir(path.join(repoModels, model))) {
      await cp(path.join(repoModels, model, version), path.join(dir, model, version), { recursive: true });
    }
  }
  const copy = path.join(dir, name, as);
  await cp(path.join(repoModels, name, from), copy, { recursive: true });
  const metadata = JSON.parse(await readFile(path.join(copy, 'metadata.json'), 'utf8')) as {
    version: string;
  };
  await writeFile(path.join(copy, 'metadata.json'), JSON.stringify({ ...metadata, version: as }));
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}
