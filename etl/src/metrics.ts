import type { Database } from '@cityassist/db';
import { featureViews, OnlineStore } from '@cityassist/feature-store';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Pipeline } from './pipeline.ts';
import type { RunSummary } from './runner.ts';
import { ruleName, type ExpectationSuite } from './suite.ts';

export interface EtlMetrics {
  /** Records one finished run. */
  observe(summary: RunSummary, seconds: number): void;
  /** Records a load's newest row of a view (the lag gauge). */
  note(view: string, asOf: Date): void;
  /**
   * Reads the last success per pipeline and the newest row per view from the store, so a process
   * that just started (whose runs were all duplicates) reports the truth, not an empty series.
   */
  refresh(db: Database): Promise<void>;
}

/**
 * The ETL's metrics, as ops/prometheus/rules.yml and ops/grafana/etl.json read them: runs by
 * status, failures, rows, duration, the last success per pipeline and each view's lag.
 */
export function createEtlMetrics(registry: Registry, pipelines: readonly Pipeline[] = []): EtlMetrics {
  const registers = [registry];
  const runs = new Counter({
    name: 'etl_runs_total',
    help: 'Pipeline runs by final status',
    labelNames: ['pipeline', 'status'],
    registers,
  });
  const failures = new Counter({
    name: 'etl_run_failures_total',
    help: 'Pipeline runs that failed or were rejected (loaded nothing)',
    labelNames: ['pipeline'],
    registers,
  });
  const read = new Counter({
    name: 'etl_rows_read_total',
    help: 'Rows read from deliveries',
    labelNames: ['pipeline'],
    registers,
  });
  const loaded = new Counter({
    name: 'etl_rows_loaded_total',
    help: 'Rows loaded into feature views',
    labelNames: ['pipeline'],
    registers,
  });
  const quarantined = new Counter({
    name: 'etl_rows_quarantined_total',
    help: 'Rows quarantined, by the rule that refused them',
    labelNames: ['pipeline', 'rule'],
    registers,
  });
  const duration = new Histogram({
    name: 'etl_run_duration_seconds',
    help: 'Wall time of a pipeline run',
    labelNames: ['pipeline'],
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers,
  });
  const lastSuccess = new Gauge({
    name: 'etl_last_success_timestamp_seconds',
    help: 'When a run of the pipeline last loaded a dataset version',
    labelNames: ['pipeline'],
    registers,
  });
  // Every series a rule or dashboard reads exists from the first scrape, at 0: an absent series
  // makes `increase()` and `absent()` alerts lie.
  for (const p of pipelines) {
    failures.inc({ pipeline: p.name }, 0);
    for (const status of ['succeeded', 'duplicate', 'rejected', 'failed']) {
      runs.inc({ pipeline: p.name, status }, 0);
    }
    read.inc({ pipeline: p.name }, 0);
    loaded.inc({ pipeline: p.name }, 0);
    for (const rule of rulesOf(p.suite)) quarantined.inc({ pipeline: p.name, rule }, 0);
  }
  const newest = new Map<string, number>();
  new Gauge({
    name: 'etl_feature_view_lag_seconds',
    help: "Now minus the newest as_of in the view's online store",
    labelNames: ['view'],
    registers,
    // Computed at scrape time: the lag grows between loads without anyone writing it.
    collect() {
      for (const [view, at] of newest) this.set({ view }, (Date.now() - at) / 1000);
    },
  });
  return {
    observe(summary, seconds) {
      const pipeline = summary.pipeline;
      runs.inc({ pipeline, status: summary.status });
      duration.observe({ pipeline }, seconds);
      read.inc({ pipeline }, summary.rows_read);
      loaded.inc({ pipeline }, summary.rows_loaded);
      for (const [rule, n] of Object.entries(summary.quarantine)) quarantined.inc({ pipeline, rule }, n);
      if (summary.status === 'failed' || summary.status === 'rejected') failures.inc({ pipeline });
      if (summary.status === 'succeeded') lastSuccess.set({ pipeline }, Date.now() / 1000);
    },
    note(view, asOf) {
      newest.set(view, Math.max(newest.get(view) ?? 0, asOf.getTime()));
    },
    async refresh(db) {
      const rows = await db.query<{ pipeline: string; at: Date }>(
        `select pipeline, max(finished_at) as at from feature_store.etl_runs where status = 'succeeded' group by pipeline`,
      );
      for (const r of rows) lastSuccess.set({ pipeline: r.pipeline }, new Date(r.at).getTime() / 1000);
      const online = new OnlineStore(db);
      for (const view of featureViews) {
        const at = await online.newest(view.name);
        if (at) newest.set(view.name, at.getTime());
      }
    },
  };
}

/** The names a suite quarantines rows under (as the run summary counts them). */
function rulesOf(suite: ExpectationSuite): string[] {
  return [
    ...Object.entries(suite.columns)
      .filter(([, c]) => c.type !== 'text')
      .map(([name]) => `type:${name}`),
    ...(suite.units ? ['unit'] : []),
    ...suite.rows.map(ruleName),
    'malformed',
  ];
}
