import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '@cityassist/db';
import { Catalog, exportTrainingSet, featureViews, migrateFeatureStore } from '@cityassist/feature-store';
import { pipelines } from '../../pipelines/index.ts';
import { parseEtlProcessConfig } from '../config.ts';
import { openOfflineStore } from '../offline.ts';

const USAGE = `usage:
  npm run features -- views
  npm run features -- export --view <view> --labels <csv|parquet> --out <parquet> [--time-column C] [--max-age-hours H]

export: each label joined with the view's newest value at or before the label's time (an ASOF join
over every committed dataset version); writes <out> and <out>.lineage.json, prints a JSON summary.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        view: { type: 'string' },
        labels: { type: 'string' },
        out: { type: 'string' },
        'time-column': { type: 'string' },
        'max-age-hours': { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'views') {
    for (const v of featureViews) process.stdout.write(`${JSON.stringify(v)}\n`);
    return 0;
  }
  if (command !== 'export') fail(`unknown command ${command}`);
  if (!values.view || !values.labels || !values.out) fail('export needs --view, --labels and --out');
  if (!featureViews.some((v) => v.name === values.view)) {
    fail(`no feature view ${values.view}; there are ${featureViews.map((v) => v.name).join(', ')}`);
  }
  const maxAge = values['max-age-hours'] === undefined ? undefined : Number(values['max-age-hours']);
  if (maxAge !== undefined && !(maxAge > 0)) fail('--max-age-hours must be a positive number');
  const config = parseEtlProcessConfig(
    process.env,
    pipelines.map((p) => p.name),
  );
  const db = await openDatabase(config.database);
  try {
    await migrateFeatureStore(db);
    const result = await exportTrainingSet(new Catalog(db), openOfflineStore(config.etl), {
      view: values.view,
      labels: path.resolve(values.labels),
      out: path.resolve(values.out),
      timeColumn: values['time-column'],
      maxAgeHours: maxAge,
      tempDir: path.join(config.etl.offlineDir, '.tmp', `export-${process.pid}`),
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
