import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Database } from '@cityassist/db';
import { DBOS } from '@dbos-inc/dbos-sdk';

/**
 * Batch retraining on the job engine (docs/retraining.md). A tick per model checks for pending
 * retraining triggers (predictions.retraining_trigger rows no run consumed: drift, degradation)
 * and enqueues a run; a second schedule, when set, enqueues a `schedule` run whatever is pending.
 * Runs go on their own queue partitioned by model: one run of a model at a time across every
 * worker (the run table's partial unique index enforces it again, for the CLI). The run itself is
 * `scripts/retrain.ts` in a child process: training is a Python process anyway, and the job code
 * lives with the model registry in the predictions subgraph, which depends on the ETL (not back).
 */
export const RETRAIN_QUEUE = 'retrain';
const RUN_WORKFLOW = 'retrainRun';

export interface RetrainJob {
  model: string;
  trigger: 'drift' | 'degradation' | 'schedule';
  requestedBy: string;
}

export interface RetrainSettings {
  /** Models retrained on the engine; none = off. */
  models: readonly string[];
  /** When to look for pending triggers (cron). */
  triggerCron: string;
  /** Scheduled retrains whatever is pending (cron); undefined = none. */
  schedule?: string | undefined;
}

export interface RetrainOutcome {
  status: string;
  reason?: string;
  run?: { id: string; status: string; candidateVersion: string | null; error: string | null };
}

/** The kind a pending-trigger tick starts: drift first, then degradation; undefined when none pends. */
export async function pendingTrigger(
  db: Database,
  model: string,
): Promise<'drift' | 'degradation' | undefined> {
  let rows: { reason: string }[];
  try {
    rows = await db.query<{ reason: string }>(
      `select distinct reason from predictions.retraining_trigger where model = $1 and consumed_by is null`,
      [model],
    );
  } catch {
    // The predictions service has not migrated this database yet (no table, or no consumed_by).
    return undefined;
  }
  const reasons = new Set(rows.map((r) => r.reason));
  if (reasons.has('drift')) return 'drift';
  if (reasons.has('degradation')) return 'degradation';
  return undefined;
}

/** Runs `npm run retrain` for a job; resolves its JSON outcome (a failed training is an outcome, not an error). */
export function runRetrainScript(
  repoRoot: string,
  job: RetrainJob,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RetrainOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(repoRoot, 'scripts/retrain.ts'),
        job.model,
        '--trigger',
        job.trigger,
        '--requested-by',
        job.requestedBy,
      ],
      { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1);
      try {
        if (last && (code === 0 || code === 1)) return resolve(JSON.parse(last) as RetrainOutcome);
      } catch {
        // fall through
      }
      reject(
        new Error(`retrain ${job.model} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`),
      );
    });
  });
}

/** Registers the retraining workflows (before DBOS.launch); returns what applySchedules needs. */
export function registerRetraining(
  db: Database,
  repoRoot: string,
  settings: RetrainSettings,
): Parameters<typeof DBOS.applySchedules>[0] {
  if (!settings.models.length) return [];
  const run = DBOS.registerWorkflow(
    async (job: RetrainJob): Promise<RetrainOutcome> =>
      // No retry: a failed training is recorded as a failed run, and its triggers stay consumed.
      DBOS.runStep(() => runRetrainScript(repoRoot, job), { name: 'retrain' }),
    { name: RUN_WORKFLOW },
  );
  const enqueue = (job: RetrainJob, at: Date) =>
    DBOS.startWorkflow(run, {
      // A tick seen by two workers is one run.
      workflowID: `retrain:${job.model}:${job.trigger}@${at.toISOString()}`,
      queueName: RETRAIN_QUEUE,
      enqueueOptions: { queuePartitionKey: job.model },
    })(job);
  const tick = DBOS.registerWorkflow(
    async (at: Date, context: unknown): Promise<void> => {
      const { model, scheduled } = context as { model: string; scheduled: boolean };
      if (scheduled) {
        await enqueue({ model, trigger: 'schedule', requestedBy: `schedule:retrain-${model}` }, at);
        return;
      }
      const trigger = await DBOS.runStep(() => pendingTrigger(db, model), { name: 'pending' });
      if (trigger) await enqueue({ model, trigger, requestedBy: `worker:${trigger}-trigger` }, at);
    },
    { name: 'retrainTick' },
  );
  return settings.models.flatMap((model) => [
    {
      scheduleName: `retrain-${model}-triggers`,
      workflowFn: tick,
      schedule: settings.triggerCron,
      context: { model, scheduled: false },
    },
    ...(settings.schedule
      ? [
          {
            scheduleName: `retrain-${model}`,
            workflowFn: tick,
            schedule: settings.schedule,
            context: { model, scheduled: true },
          },
        ]
      : []),
  ]);
}
