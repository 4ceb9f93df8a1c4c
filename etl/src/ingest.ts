import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { sqlIdent, sqlString, type DuckDBConnection } from '@cityassist/feature-store';
import { EtlError } from './errors.ts';
import type { LocalSource, PipelineContext } from './pipeline.ts';
import type { ExpectationSuite } from './suite.ts';

/**
 * `_row` is `source index × ROW_STRIDE + line`: unique across a run's files, in file order (the
 * order the monotonic check needs), and the line is recoverable for the quarantine.
 */
export const ROW_STRIDE = 1e12;

/** The tables every ingest writes: `raw` (the suite's columns as text) and `rejects` (lines that did not split). */
export async function createIngestTables(duck: DuckDBConnection, suite: ExpectationSuite): Promise<void> {
  const cols = Object.keys(suite.columns).map((c) => `${sqlIdent(c)} VARCHAR`);
  await duck.run(`create table raw (_source VARCHAR, _row BIGINT, ${cols.join(', ')})`);
  await duck.run('create table rejects (source VARCHAR, line BIGINT, text VARCHAR, error VARCHAR)');
}

/** A CSV delivery's column names (first line, BOM and quotes removed), read without loading the file. */
export async function csvHeader(file: string, delimiter = ','): Promise<string[]> {
  return (await firstLine(file)).split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

/** The first line of a file (its header), read without loading the file. */
async function firstLine(file: string): Promise<string> {
  const lines = createInterface({ input: createReadStream(file, { end: 64 * 1024 }), crlfDelay: Infinity });
  for await (const line of lines) {
    lines.close();
    return line.replace(/^\uFEFF/, '');
  }
  return '';
}

/**
 * Checks a delivery's columns against the suite's before reading it: a renamed or missing column
 * is refused whole, naming what was expected and what was found, rather than quarantining every row.
 */
function checkColumns(
  source: LocalSource,
  found: readonly string[],
  suite: ExpectationSuite,
  rename: Record<string, string>,
): void {
  const present = new Set(found.map((c) => rename[c] ?? c));
  const missing = Object.entries(suite.columns)
    .filter(([name, spec]) => spec.required && !present.has(name))
    .map(([name]) => name);
  if (missing.length) {
    throw new EtlError(
      'ETL_SCHEMA_MISMATCH',
      `${source.uri}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; found ${found.join(', ') || 'nothing'}`,
    );
  }
}

export interface CsvOptions {
  /** Delivered column name → suite column name (a feed's own spelling). */
  rename?: Record<string, string>;
  delimiter?: string;
}

/**
 * Reads a CSV delivery into `raw` with DuckDB's reader (streaming, parallel), every cell as text
 * so typing is the suite's job; lines that do not split into the header's columns go to `rejects`.
 */
export async function ingestCsv(
  ctx: PipelineContext,
  index: number,
  source: LocalSource,
  suite: ExpectationSuite,
  options: CsvOptions = {},
): Promise<void> {
  const delimiter = options.delimiter ?? ',';
  const header = (await firstLine(source.path))
    .split(delimiter)
    .map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const rename = options.rename ?? {};
  checkColumns(source, header, suite, rename);
  const select = Object.keys(suite.columns).map((name) => {
    const delivered = header.find((h) => (rename[h] ?? h) === name);
    return delivered === undefined
      ? `null as ${sqlIdent(name)}`
      : `${sqlIdent(delivered)} as ${sqlIdent(name)}`;
  });
  const { duck } = ctx;
  await duck.run(
    `insert into raw select ${sqlString(source.uri)}, ${index} * ${ROW_STRIDE} + row_number() over () + 1, ${select.join(', ')}
       from read_csv(${sqlString(source.path)}, header = true, all_varchar = true, delim = ${sqlString(delimiter)},
                     store_rejects = true, strict_mode = true, null_padding = false, auto_detect = false,
                     columns = {${header.map((h) => `${sqlString(h)}: 'VARCHAR'`).join(', ')}})`,
  );
  await duck.run(
    `insert into rejects select ${sqlString(source.uri)}, line, csv_line, error_message from reject_errors`,
  );
  await duck.run('delete from reject_errors');
}

/**
 * Reads a JSON-lines delivery into `raw`: one object per line, keys as the suite's columns. A line
 * that is not a JSON object is rejected with its line number; reading streams, line by line.
 */
export async function ingestJsonLines(
  ctx: PipelineContext,
  index: number,
  source: LocalSource,
  suite: ExpectationSuite,
  options: { rename?: Record<string, string> } = {},
): Promise<void> {
  const { duck } = ctx;
  const rename = options.rename ?? {};
  const names = Object.keys(suite.columns);
  const keyOf = (name: string) => Object.entries(rename).find(([, to]) => to === name)?.[0] ?? name;
  const appender = await duck.createAppender('raw');
  const rejects = await duck.createAppender('rejects');
  const lines = createInterface({ input: createReadStream(source.path), crlfDelay: Infinity });
  let line = 0;
  let firstKeys: string[] | undefined;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      rejects.appendVarchar(source.uri);
      rejects.appendBigInt(BigInt(line));
      rejects.appendVarchar(text.slice(0, 2000));
      rejects.appendVarchar(`not JSON: ${(err as Error).message}`);
      rejects.endRow();
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      rejects.appendVarchar(source.uri);
      rejects.appendBigInt(BigInt(line));
      rejects.appendVarchar(text.slice(0, 2000));
      rejects.appendVarchar('not a JSON object');
      rejects.endRow();
      continue;
    }
    const record = value as Record<string, unknown>;
    if (!firstKeys) {
      firstKeys = Object.keys(record);
      checkColumns(source, firstKeys, suite, rename);
    }
    appender.appendVarchar(source.uri);
    appender.appendBigInt(BigInt(index * ROW_STRIDE + line));
    for (const name of names) {
      const cell = record[keyOf(name)];
      if (cell === undefined || cell === null) appender.appendNull();
      else appender.appendVarchar(typeof cell === 'string' ? cell : JSON.stringify(cell));
    }
    appender.endRow();
  }
  appender.closeSync();
  rejects.closeSync();
}
