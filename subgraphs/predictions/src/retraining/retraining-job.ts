import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '@cityassist/db';
import {
  exportTrainingSet,
  featureViewOf,
  openDuck,
  queryRows,
  sqlString,
  type Catalog,
  type OfflineStore,
} from '@cityassist/feature-store';
import { readMetadata } from '@cityassist/inference';
import type { Logger } from '@cityassist/service-kit';
import type { ModelRegistry } from '../registry/model-registry.ts';
import { compareOnHoldout, type SameHoldout } from './holdout.ts';

export type TriggerKind = 'drift' | 'degradation' | 'schedule' | 'manual';
export const TRIGGER_KINDS: readonly TriggerKind[] = ['drift', 'degradation', 'schedule', 'manual'];

/** How a model is retrained from the store: its committed config, the views and the label column. */
export interface RetrainChain {
  /** Relative to the repository root. */
  config: string;
  featureView: string;
  labelView: string;
  /** The label view's column that is the label (0 | 1). */
  labelColumn: string;
}

/** The models a retraining job knows. Flood only: AQI's labels are its own future readings (see docs). */
export const CHAINS: Readonly<Record<string, RetrainChain>> = {
  flood: {
    config: 'training/configs/flood_store.json',
    featureView: 'zone_flood_features',
    labelView: 'zone_flood_observations',
    labelColumn: 'flooded',
  },
};

export interface RetrainDeps {
  db: Database;
  catalog: Catalog;
  offline: OfflineStore;
  registry: ModelRegistry;
  /** Where the service loads versions from (`<modelsDir>/<name>/<version>/`). */
  modelsDir: string;
  repoRoot: string;
  /** Scratch space for the export and the training output; a folder per run, removed after. */
  workDir: string;
  logger: Logger;
  python?: string | undefined;
  /** Publishes a version folder (S3, immutable); returns what to record. Unset: not published. */
  publish?: ((dir: string) => Promise<Record<string, unknown>>) | undefined;
}

export interface RetrainRequest {
  model: string;
  trigger: TriggerKind;
  requestedBy: string;
  /** train.py --smoke: the small simulation and settings (tests, CI). */
  smoke?: boolean | undefined;
  /** Another config than the chain's (relative to the repository root, or absolute). */
  config?: string | undefined;
  /** A `running` run older than this is taken as abandoned (its process died). Default 6 h. */
  staleAfterMs?: number | undefined;
  /** Extra arguments for train.py (tests). */
  trainArgs?: readonly string[] | undefined;
}

export type RetrainOutcome =
  { status: 'skipped'; reason: string } | { status: 'succeeded' | 'failed'; run: RetrainingRunRecord };

export interface HeadlineMetrics {
  timeHoldout: {
    rocAuc: number | null;
    prAuc: number | null;
    brier: number | null;
    n: number | null;
    positives: number | null;
  };
  spaceTimeCv: { rocAuc: number | null; prAuc: number | null };
  threshold: number | null;
}

export interface RetrainingRunRecord {
  id: string;
  model: string;
  triggerKind: TriggerKind;
  triggerIds: string[];
  requestedBy: string;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: Date;
  finishedAt: Date | null;
  config: string;
  smoke: boolean;
  championVersion: string | null;
  candidateVersion: string | null;
  datasetVersions: string[];
  trainingRows: number | null;
  candidateMetrics: HeadlineMetrics | null;
  championMetrics: HeadlineMetrics | null;
  sameHoldout: SameHoldout | null;
  durations: Record<string, number> | null;
  published: Record<string, unknown> | null;
  error: string | null;
}

const SIX_HOURS = 6 * 3_600_000;

/**
 * One batch retraining run: claims the model's pending triggers, exports a point-in-time training
 * set from the feature store as it is now (the feature view joined to the label view), trains a
 * candidate with the committed config (train.py --features), places it where the service loads
 * versions (and publishes it when configured), registers it SHADOW with an audit row naming the
 * run, and records the run with the candidate's hold-out metrics beside the champion's.
 *
 * Never CHAMPION: promotion stays a person's decision. A failed run leaves no version behind and
 * no SHADOW row; the triggers it consumed stay consumed by it (a bad config must not retrain in a
 * loop), so an operator re-runs with `--trigger manual` once it is fixed.
 */
export async function retrain(deps: RetrainDeps, request: RetrainRequest): Promise<RetrainOutcome> {
  const chain = CHAINS[request.model];
  if (!chain) {
    throw new Error(
      `no retraining chain for model ${request.model}; there are ${Object.keys(CHAINS).join(', ')}`,
    );
  }
  if (!TRIGGER_KINDS.includes(request.trigger)) throw new Error(`unknown trigger ${request.trigger}`);
  const config = request.config ?? chain.config;
  // Before anything is claimed: without a champion there is nothing to compare with or to shadow.
  const championVersion = await deps.registry.assignment(request.model).then(
    (a) => a.champion,
    () => {
      throw new Error(
        `${request.model} has no champion in this database: start the predictions service once (it registers the configured champion)`,
      );
    },
  );
  const claim = await claimRun(deps.db, request, config);
  if ('skipped' in claim) return { status: 'skipped', reason: claim.skipped };
  const { runId } = claim;
  const log = deps.logger.child({ model: request.model, retrainingRun: runId, trigger: request.trigger });
  log.info({ triggers: claim.triggerIds.length }, 'retraining run started');
  const durations: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      durations[name] = Math.round((Date.now() - started) / 100) / 10;
    }
  };
  const work = await mkdtemp(path.join(deps.workDir, `retrain-${request.model}-${runId}-`));
  let placed: string | undefined;
  let registered = false;
  try {
    const labels = path.join(work, 'labels.parquet');
    const exportFile = path.join(work, 'features.parquet');
    const exported = await timed('export', async () => {
      const labelVersions = await exportLabels(deps, chain, labels, path.join(work, 'tmp'));
      const features = await exportTrainingSet(deps.catalog, deps.offline, {
        view: chain.featureView,
        labels,
        out: exportFile,
        tempDir: path.join(work, 'tmp'),
      });
      return { ...features, datasetVersions: [...features.datasetVersions, ...labelVersions] };
    });
    await deps.db.query(
      'update predictions.retraining_run set dataset_versions = $2, training_rows = $3, champion_version = $4 where id = $1',
      [runId, exported.datasetVersions, exported.rows, championVersion],
    );
    const minute = retrainId(claim.startedAt);
    const report = path.join(work, 'report.json');
    const out = path.join(work, 'models');
    await timed('train', () =>
      runTraining(deps, [
        'training/train.py',
        request.model,
        '--config',
        path.resolve(deps.repoRoot, config),
        '--features',
        exportFile,
        '--out',
        out,
        '--report',
        report,
        '--experiments',
        path.join(work, 'runs.jsonl'),
        '--retrain-id',
        minute,
        ...(request.smoke ? ['--smoke'] : []),
        ...(request.trainArgs ?? []),
      ]),
    );
    const { model_dir: trained } = JSON.parse(await readFile(report, 'utf8')) as { model_dir: string };
    const candidate = await readMetadata(trained);
    const candidateVersion = candidate.version;
    const championDir = path.join(deps.modelsDir, request.model, championVersion);
    const champion = await readMetadata(championDir);
    const holdoutStart = (candidate.metrics as { data?: { holdout_period?: string[] } } | undefined)?.data
      ?.holdout_period?.[0];
    const sameHoldout = holdoutStart
      ? await timed('compare', () =>
          compareOnHoldout(exportFile, holdoutStart, trained, championDir, path.join(work, 'tmp')),
        )
      : null;
    // Into the models folder under a name the service ignores, then renamed: never half a version.
    const target = path.join(deps.modelsDir, request.model, candidateVersion);
    if (await exists(target)) throw new Error(`${target} exists already: versions are immutable`);
    const partial = path.join(deps.modelsDir, request.model, `.${candidateVersion}.partial`);
    await rm(partial, { recursive: true, force: true });
    await cp(trained, partial, { recursive: true });
    await rename(partial, target);
    placed = target;
    const published = deps.publish ? await timed('publish', () => deps.publish!(target)) : null;
    await deps.registry.change(request.model, candidateVersion, 'SHADOW', {
      actor: `retraining:${runId}`,
      action: 'retrain',
      reason: `retraining run ${runId} (${request.trigger}); champion ${championVersion} unchanged`,
    });
    registered = true;
    const rows = await deps.db.query<RunRow>(
      `update predictions.retraining_run
          set status = 'succeeded', finished_at = now(), candidate_version = $2, candidate_metrics = $3::jsonb,
              champion_metrics = $4::jsonb, durations = $5::jsonb, published = $6::jsonb, same_holdout = $7::jsonb
        where id = $1 returning *`,
      [
        runId,
        candidateVersion,
        JSON.stringify(headline(candidate.metrics)),
        JSON.stringify(headline(champion.metrics)),
        JSON.stringify(durations),
        published ? JSON.stringify(published) : null,
        sameHoldout ? JSON.stringify(sameHoldout) : null,
      ],
    );
    log.info(
      { candidate: candidateVersion, champion: championVersion, durations },
      'retraining run succeeded: candidate is SHADOW',
    );
    return { status: 'succeeded', run: recordOf(rows[0]!) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (placed && !registered) await rm(placed, { recursive: true, force: true }).catch(() => undefined);
    const rows = await deps.db.query<RunRow>(
      `update predictions.retraining_run set status = 'failed', finished_at = now(), error = $2, durations = $3::jsonb
        where id = $1 returning *`,
      [runId, message.slice(0, 4000), JSON.stringify(durations)],
    );
    log.error({ err: message }, 'retraining run failed');
    return { status: 'failed', run: recordOf(rows[0]!) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * In one transaction: an abandoned `running` run (older than staleAfterMs) is marked failed; a live
 * one means skip; else the run row is inserted and the model's pending triggers are consumed by it.
 * A drift or degradation run with no pending trigger of that kind is skipped (nothing to answer).
 */
async function claimRun(
  db: Database,
  request: RetrainRequest,
  config: string,
): Promise<{ runId: string; triggerIds: string[]; startedAt: Date } | { skipped: string }> {
  try {
    return await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`retraining:${request.model}`]);
      await tx.query(
        `update predictions.retraining_run set status = 'failed', finished_at = now(),
                error = 'abandoned: still running after ' || $2 || ' s (its process died?)'
          where model = $1 and status = 'running' and started_at < now() - make_interval(secs => $2::double precision)`,
        [request.model, Math.round((request.staleAfterMs ?? SIX_HOURS) / 1000)],
      );
      const [running] = await tx.query<{ id: string }>(
        `select id::text from predictions.retraining_run where model = $1 and status = 'running'`,
        [request.model],
      );
      if (running) return { skipped: `run ${running.id} of ${request.model} is still running` };
      const pending = await tx.query<{ id: string; reason: string }>(
        `select id::text, reason from predictions.retraining_trigger
          where model = $1 and consumed_by is null order by id for update`,
        [request.model],
      );
      if (
        (request.trigger === 'drift' || request.trigger === 'degradation') &&
        !pending.some((p) => p.reason === request.trigger)
      ) {
        return { skipped: `no pending ${request.trigger} trigger for ${request.model}` };
      }
      // Every pending trigger is answered by this run: it trains on the store as it is now.
      const ids = pending.map((p) => p.id);
      const [run] = await tx.query<{ id: string; started_at: Date | string }>(
        `insert into predictions.retraining_run (model, trigger_kind, trigger_ids, requested_by, status, config, smoke)
         values ($1, $2, $3::bigint[], $4, 'running', $5, $6) returning id::text, started_at`,
        [request.model, request.trigger, ids, request.requestedBy, config, request.smoke ?? false],
      );
      if (ids.length) {
        await tx.query(
          'update predictions.retraining_trigger set consumed_by = $1, consumed_at = now() where id = any($2::bigint[])',
          [run!.id, ids],
        );
      }
      return { runId: run!.id, triggerIds: ids, startedAt: new Date(run!.started_at) };
    });
  } catch (err) {
    // Another process inserted its running row between our check and insert (one_running index).
    if (/retraining_run_one_running|duplicate key/.test(String(err))) {
      return { skipped: `another run of ${request.model} is running` };
    }
    throw err;
  }
}

/**
 * The label view's rows as a labels file for the point-in-time export: `zone_id`, `label_time`
 * (the view's as_of, the end of the observed hour) and `label`, the newest dataset version winning
 * for the same zone and hour, as the export does for features.
 */
async function exportLabels(
  deps: RetrainDeps,
  chain: RetrainChain,
  out: string,
  tempDir: string,
): Promise<string[]> {
  const view = featureViewOf(chain.labelView);
  const versions = await deps.catalog.versions({ view: view.name, limit: 100_000 });
  if (!versions.length) {
    throw new Error(`the label view ${view.name} has no dataset version: run its pipeline first`);
  }
  using duck = await openDuck({ tempDir: path.join(tempDir, 'duckdb-labels') });
  await duck.run('create table versions (dataset_version VARCHAR, created_at TIMESTAMPTZ, file VARCHAR)');
  const files: string[] = [];
  for (const v of versions) {
    for (const file of await deps.offline.files(v.offlineUri)) {
      files.push(file);
      await duck.run(
        `insert into versions values (${sqlString(v.datasetVersion)}, ${sqlString(v.createdAt.toISOString())}, ${sqlString(file)})`,
      );
    }
  }
  await duck.run(`
    create table labels as
    select f.entity_id as zone_id, f.as_of as label_time, f.${chain.labelColumn}::integer as label
      from read_parquet([${files.map(sqlString).join(', ')}], filename = true) f
      join versions v on v.file = f.filename
     where f.${chain.labelColumn} is not null
    qualify row_number() over (partition by f.entity_id, f.as_of order by v.created_at desc, v.dataset_version desc) = 1
     order by label_time, zone_id`);
  const [count] = await queryRows<{ n: number }>(duck, 'select count(*)::double as n from labels');
  if (!count?.n) throw new Error(`the label view ${view.name} holds no labels`);
  const used = await queryRows<{ v: string }>(
    duck,
    `select distinct v.dataset_version as v from read_parquet([${files.map(sqlString).join(', ')}], filename = true) f
       join versions v on v.file = f.filename order by 1`,
  );
  await mkdir(path.dirname(out), { recursive: true });
  await duck.run(`copy labels to ${sqlString(out)} (format parquet)`);
  return used.map((r) => r.v);
}

function runTraining(deps: RetrainDeps, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(deps.python ?? '/usr/bin/python3', args, {
      cwd: deps.repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else {
        const last = tail.trim().split('\n').slice(-3).join(' | ');
        reject(new Error(`train.py exited ${code ?? signal}: ${last}`));
      }
    });
  });
}

/** train.py --retrain-id: the run's UTC minute, YYYYMMDDHHMM. */
export function retrainId(at: Date): string {
  return at.toISOString().slice(0, 16).replace(/[-T:]/g, '');
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The figures a person compares before promoting: the time hold-out, the blocked CV, the threshold. */
export function headline(metrics: unknown): HeadlineMetrics {
  const m = (metrics ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const th = m['time_holdout'] ?? {};
  const cv = m['space_time_cv'] ?? {};
  return {
    timeHoldout: {
      rocAuc: num(th['roc_auc']),
      prAuc: num(th['pr_auc']),
      brier: num(th['brier']),
      n: num(th['n']),
      positives: num(th['positives']),
    },
    spaceTimeCv: { rocAuc: num(cv['roc_auc']), prAuc: num(cv['pr_auc']) },
    threshold: num(m['threshold']?.['value']),
  };
}

export interface RunRow {
  id: string | number;
  model: string;
  trigger_kind: TriggerKind;
  trigger_ids: (string | number)[];
  requested_by: string;
  status: 'running' | 'succeeded' | 'failed';
  started_at: Date | string;
  finished_at: Date | string | null;
  config: string;
  smoke: boolean;
  champion_version: string | null;
  candidate_version: string | null;
  dataset_versions: string[];
  training_rows: number | null;
  candidate_metrics: HeadlineMetrics | string | null;
  champion_metrics: HeadlineMetrics | string | null;
  same_holdout: SameHoldout | string | null;
  durations: Record<string, number> | string | null;
  published: Record<string, unknown> | string | null;
  error: string | null;
}

const json = <T>(v: T | string | null): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

export function recordOf(r: RunRow): RetrainingRunRecord {
  return {
    id: String(r.id),
    model: r.model,
    triggerKind: r.trigger_kind,
    triggerIds: (r.trigger_ids ?? []).map(String),
    requestedBy: r.requested_by,
    status: r.status,
    startedAt: new Date(r.started_at),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
    config: r.config,
    smoke: r.smoke,
    championVersion: r.champion_version,
    candidateVersion: r.candidate_version,
    datasetVersions: r.dataset_versions ?? [],
    trainingRows: r.training_rows,
    candidateMetrics: json(r.candidate_metrics),
    championMetrics: json(r.champion_metrics),
    sameHoldout: json(r.same_holdout),
    durations: json(r.durations),
    published: json(r.published),
    error: r.error,
  };
}

/** The runs, newest first, optionally of one model. */
export async function listRuns(
  db: Database,
  model: string | undefined,
  first: number,
): Promise<RetrainingRunRecord[]> {
  const rows = await db.query<RunRow>(
    `select * from predictions.retraining_run where ($1::text is null or model = $1)
      order by started_at desc, id desc limit $2`,
    [model ?? null, first],
  );
  return rows.map(recordOf);
}
