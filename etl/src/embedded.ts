import path from 'node:path';
import type { EtlConfig } from './config.ts';
import type { Pipeline } from './pipeline.ts';
import { pendingRuns, settle } from './inbox.ts';
import { runPipeline, type RunnerDeps, type RunSummary } from './runner.ts';

export interface StartLogger {
  info(attrs: object, msg: string): void;
  warn(attrs: object, msg: string): void;
}

/**
 * The embedded default's ETL: on start, each pipeline runs over its start sources (its committed
 * raw extracts unless configured), in the registry's order, so a later source for the same hour
 * (radar after gauges) is the one served. A delivery loaded before is recognised by its hash and
 * skipped in milliseconds; a failed one is logged and the service starts without it.
 */
export async function loadStartSources(
  deps: RunnerDeps,
  pipelines: readonly Pipeline[],
  config: EtlConfig,
  logger: StartLogger,
): Promise<RunSummary[]> {
  const summaries: RunSummary[] = [];
  for (const pipeline of pipelines) {
    const sources =
      config.startSources[pipeline.name] ??
      (pipeline.defaultSources ?? []).map((s) => path.resolve(deps.repoRoot, s));
    if (!sources.length) continue;
    const summary = await runPipeline(deps, pipeline, {
      sources,
      trigger: 'start',
      requestedBy: 'service:predictions',
    });
    summaries.push(summary);
    const attrs = {
      pipeline: pipeline.name,
      status: summary.status,
      runId: summary.run_id,
      datasetVersion: summary.dataset_version,
      rowsLoaded: summary.rows_loaded,
      rowsQuarantined: summary.rows_quarantined,
    };
    if (summary.status === 'failed' || summary.status === 'rejected') {
      logger.warn({ ...attrs, error: summary.error }, 'pipeline run on start did not load');
    } else {
      logger.info(
        attrs,
        summary.status === 'duplicate' ? 'pipeline sources already loaded' : 'pipeline sources loaded',
      );
    }
  }
  return summaries;
}

/**
 * The embedded default's schedule: every `intervalMs`, each delivery waiting in an inbox folder
 * (`<ETL_INBOX_DIR>/<pipeline>/`) runs, one at a time, and is moved to `.done/` or `.failed/`. In
 * process, because PGlite is one process's database; production runs the same scan on the job
 * engine (etl/src/worker).
 */
export function pollInbox(
  deps: RunnerDeps,
  pipelines: readonly Pipeline[],
  config: EtlConfig,
  logger: StartLogger,
  intervalMs: number,
): { stop(): Promise<void>; scan(): Promise<RunSummary[]> } {
  let running: Promise<RunSummary[]> | undefined;
  const scan = (): Promise<RunSummary[]> => {
    running ??= (async () => {
      const done: RunSummary[] = [];
      try {
        for (const { pipeline, file } of await pendingRuns(config.inboxDir, pipelines)) {
          const summary = await runPipeline(deps, pipeline, {
            sources: [file],
            trigger: 'schedule',
            requestedBy: 'schedule:inbox',
          });
          const moved = await settle(file, summary);
          done.push(summary);
          logger.info(
            { pipeline: pipeline.name, status: summary.status, runId: summary.run_id, file: moved },
            'inbox delivery run',
          );
        }
      } catch (err) {
        logger.warn({ err }, 'inbox scan failed');
      } finally {
        running = undefined;
      }
      return done;
    })();
    return running;
  };
  const timer = intervalMs > 0 ? setInterval(() => void scan(), intervalMs) : undefined;
  timer?.unref();
  return {
    scan,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
