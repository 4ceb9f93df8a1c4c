/**
 * `npm run retrain -- <model> [--trigger drift|degradation|schedule|manual] [--smoke] [--config FILE]`:
 * one batch retraining run on the feature store the settings name (DATABASE_URL or the embedded
 * DATA_DIR, FEATURE_STORE_*; docs/retraining.md). Trains a candidate with the committed config,
 * places it under MODELS_DIR (and publishes it when MODELS_S3_BUCKET is set), registers it SHADOW
 * and records the run in predictions.retraining_run. Never promotes.
 *
 * `--trigger drift` (the default) and `degradation` run only when such a trigger is pending;
 * `schedule` and `manual` always run. Prints the outcome as one JSON line; exits 0 when the run
 * succeeded or was skipped, 1 when it failed, 2 on bad arguments.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { migrate, openDatabase } from '@cityassist/db';
import { createEventBus } from '@cityassist/events';
import { Catalog, migrateFeatureStore } from '@cityassist/feature-store';
import { createLogger } from '@cityassist/service-kit';
import { parseEtlProcessConfig } from '../etl/src/config.ts';
import { openOfflineStore } from '../etl/src/offline.ts';
import { pipelines } from '../etl/pipelines/index.ts';
import { ModelRegistry } from '../subgraphs/predictions/src/registry/model-registry.ts';
import {
  CHAINS,
  retrain,
  TRIGGER_KINDS,
  type TriggerKind,
} from '../subgraphs/predictions/src/retraining/retraining-job.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const USAGE = `usage: npm run retrain -- <${Object.keys(CHAINS).join('|')}> [--trigger ${TRIGGER_KINDS.join('|')}] [--smoke] [--config FILE] [--requested-by WHO]`;

function fail(message: string): never {
  process.stderr.write(`retrain: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      trigger: { type: 'string', default: 'drift' },
      smoke: { type: 'boolean', default: false },
      config: { type: 'string' },
      'requested-by': { type: 'string' },
    },
  });
} catch (err) {
  fail((err as Error).message);
}
const { values, positionals } = parsed;
const model = positionals[0] ?? '';
if (!CHAINS[model]) fail(`no retraining chain for "${model}"`);
const trigger = values.trigger as TriggerKind;
if (!TRIGGER_KINDS.includes(trigger)) fail(`--trigger must be one of ${TRIGGER_KINDS.join(', ')}`);

const config = parseEtlProcessConfig(
  process.env,
  pipelines.map((p) => p.name),
);
const logger = createLogger('retraining', config.logLevel);
const modelsDir = path.resolve(process.env['MODELS_DIR'] ?? path.join(ROOT, 'models'));
const db = await openDatabase(config.database);
const events = await createEventBus(process.env['REDIS_URL'] || undefined, { logger });
let code: number;
try {
  await migrateFeatureStore(db);
  await migrate(db, { dir: path.join(ROOT, 'subgraphs/predictions/src/migrations'), schema: 'predictions' });
  const workDir = path.join(config.etl.offlineDir, '.tmp');
  await mkdir(workDir, { recursive: true });
  const publish = process.env['MODELS_S3_BUCKET']
    ? async (dir: string) => {
        const { modelBucketFromEnv, publishModel } = await import('../packages/inference/src/model-fetch.ts');
        const bucket = modelBucketFromEnv();
        return { bucket: bucket.bucket, prefix: bucket.prefix, ...(await publishModel(bucket, dir)) };
      }
    : undefined;
  const outcome = await retrain(
    {
      db,
      catalog: new Catalog(db),
      offline: openOfflineStore(config.etl),
      registry: new ModelRegistry(db, modelsDir, events),
      modelsDir,
      repoRoot: ROOT,
      workDir,
      logger,
      publish,
    },
    {
      model,
      trigger,
      requestedBy: values['requested-by'] ?? `cli:${trigger}`,
      smoke: values.smoke,
      config: values.config,
    },
  );
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
  code = outcome.status === 'failed' ? 1 : 0;
} catch (err) {
  process.stderr.write(`retrain: ${err instanceof Error ? err.message : String(err)}\n`);
  code = 1;
} finally {
  await events.close();
  await db.close();
}
process.exit(code);
