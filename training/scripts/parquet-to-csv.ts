/**
 * Parquet → CSV for the Python training, through DuckDB's Node API: Debian packages neither pyarrow
 * nor fastparquet, and nothing comes from PyPI here. Timestamps are written as ISO 8601 in UTC.
 *
 *   node --import tsx training/scripts/parquet-to-csv.ts <in.parquet> <out.csv>
 */
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: parquet-to-csv.ts <in.parquet> <out.csv>\n');
  process.exit(2);
}
const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
const instance = await DuckDBInstance.create(':memory:');
const duck = await instance.connect();
try {
  await duck.run(`set timezone = 'UTC'`);
  await duck.run(
    `copy (select * from read_parquet(${quote(input)})) to ${quote(output)} (header, delimiter ',', timestampformat '%Y-%m-%dT%H:%M:%SZ')`,
  );
} catch (err) {
  process.stderr.write(`parquet-to-csv: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  duck.closeSync();
  instance.closeSync();
}
