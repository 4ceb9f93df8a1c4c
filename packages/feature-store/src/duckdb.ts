import { mkdir } from 'node:fs/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export type { DuckDBConnection } from '@duckdb/node-api';

export interface DuckOptions {
  /** Folder DuckDB spills to when a run outgrows its memory limit. */
  tempDir: string;
  /** e.g. '512MB': a 2 GB delivery streams through a bounded amount of memory. */
  memoryLimit?: string;
  threads?: number;
}

/**
 * A private in-memory DuckDB for one run or export: nothing outlives it but the Parquet files it
 * writes. The memory limit plus a spill folder is what keeps a huge delivery at constant memory.
 */
export async function openDuck(options: DuckOptions): Promise<DuckDBConnection & Disposable> {
  await mkdir(options.tempDir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    temp_directory: options.tempDir,
    memory_limit: options.memoryLimit ?? '512MB',
    threads: String(options.threads ?? 2),
    // A pipeline reads exactly the files it was given; nothing is fetched or installed at run time.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    preserve_insertion_order: 'false',
  });
  const connection = await instance.connect();
  // Bare dates and timestamps in a delivery are UTC, whatever zone the machine is in.
  await connection.run("set TimeZone = 'UTC'");
  return Object.assign(connection, {
    [Symbol.dispose]() {
      connection.closeSync();
      instance.closeSync();
    },
  });
}

/** A string as a SQL literal ('' doubled): for file paths, which DuckDB takes only as literals. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** An identifier as a quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The rows of a query as plain objects, BIGINTs as numbers and timestamps as Dates. */
export async function queryRows<T = Record<string, unknown>>(
  duck: DuckDBConnection,
  sql: string,
): Promise<T[]> {
  const reader = await duck.runAndReadAll(sql);
  return reader.getRowObjectsJS() as T[];
}
