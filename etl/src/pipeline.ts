import type { DuckDBConnection, FeatureView, OnlineStore } from '@cityassist/feature-store';
import type { ExpectationSuite } from './suite.ts';

/** A delivery as the pipeline reads it: a local file (fetched first when it came from S3). */
export interface LocalSource {
  /** Where it came from, as lineage records it: a path, s3://bucket/key or upload:<name>. */
  uri: string;
  path: string;
  sha256: string;
  bytes: number;
}

export interface RunParams {
  /** Backfill window: only rows with a time in [from, to) are kept. */
  from?: Date | undefined;
  to?: Date | undefined;
  /** The time the run counts freshness from (default: now). */
  now: Date;
}

export interface PipelineContext {
  duck: DuckDBConnection;
  sources: readonly LocalSource[];
  params: RunParams;
  online: OnlineStore;
  /** Static inputs (terrain, station lists) by name: read each run and part of its lineage. */
  inputs: Readonly<Record<string, LocalSource>>;
  progress(step: string, done: number, total?: number): void;
}

/** What a transform produced for one feature view: a DuckDB table of (entity_id, as_of, features…). */
export interface ViewOutput {
  view: FeatureView;
  table: string;
  /** Dataset versions of other views this output was computed from (lineage). */
  inputs?: string[];
}

/**
 * A source's pipeline: ingest reads the delivery into the DuckDB table `raw` (text columns named as
 * the suite's, plus `_source` and `_row`); the runner validates it against the suite into `valid`
 * and `quarantined`; transform turns `valid` into feature-view tables; the runner loads them.
 */
export interface Pipeline {
  name: string;
  description: string;
  /** The formats `ingest` accepts, for `etl list` and the docs. */
  formats: readonly string[];
  suite: ExpectationSuite;
  /** Static inputs by name → file, resolved relative to the repository. */
  staticInputs?: Readonly<Record<string, string>>;
  /** The committed raw extracts the embedded default loads on start. */
  defaultSources?: readonly string[];
  /** The column that holds each row's time: backfill windows and freshness apply to it. */
  timeColumn: string;
  /** The files that define the pipeline: their hash is the code version in lineage. */
  codeFiles: readonly string[];
  ingest(ctx: PipelineContext): Promise<void>;
  transform(ctx: PipelineContext): Promise<ViewOutput[]>;
}
