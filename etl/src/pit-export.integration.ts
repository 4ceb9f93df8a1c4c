import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { Catalog, exportTrainingSet, openDuck, queryRows, sqlString } from '@cityassist/feature-store';
import { airQuality } from '../pipelines/air-quality/pipeline.ts';
import { runPipeline } from './runner.ts';
import { openAqCsv, openTestStore } from './testing/harness.ts';

const base = { trigger: 'test', requestedBy: 'test:pit' };
const hour = (h: number) => new Date(Date.parse('2015-12-18T00:00:00Z') + h * 3_600_000).toISOString();

onEachDatabase((label, open) => {
  describe(`point-in-time export on ${label}`, () => {
    it('joins each label with the newest value at or before its time, never a later one', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await openTestStore(cfg);
      const rows = Array.from({ length: 10 }, (_, h) => ['s1', hour(h), 'pm25', 10 + h, 'µg/m³'] as const);
      const first = await runPipeline(store, airQuality, {
        ...base,
        sources: [await store.write('a.csv', openAqCsv(rows))],
      });
      assert.equal(first.status, 'succeeded');
      // A later delivery corrects 03:00 and adds a value that only exists after every label.
      const second = await runPipeline(store, airQuality, {
        ...base,
        sources: [
          await store.write(
            'b.csv',
            openAqCsv([
              ['s1', hour(3), 'pm25', 99, 'µg/m³'],
              ['s1', hour(30), 'pm25', 500, 'µg/m³'],
            ]),
          ),
        ],
      });
      assert.equal(second.status, 'succeeded');
      const labels = await store.write(
        'labels.csv',
        `sensor_id,label_time,label\ns1,${hour(3.5)},a\ns1,${hour(5)},b\ns1,${hour(-1)},c\ns2,${hour(5)},d\ns1,${hour(29.9)},e\n`,
      );
      const out = path.join(store.dir, 'train.parquet');
      const result = await exportTrainingSet(new Catalog(store.db), store.offline, {
        view: 'sensor_pm_hourly',
        labels,
        out,
        tempDir: path.join(store.dir, 'x'),
      });
      assert.equal(result.rows, 5);
      assert.equal(result.unmatched, 2, 'a label before any reading, and an unknown sensor');
      assert.deepEqual(result.datasetVersions.sort(), [first.dataset_version, second.dataset_version].sort());
      using duck = await openDuck({ tempDir: path.join(store.dir, 'q') });
      const got = await queryRows<{
        label: string;
        pm25: number | null;
        feature_as_of: Date | null;
        dataset_version: string | null;
      }>(
        duck,
        `select label, pm25, feature_as_of, dataset_version from read_parquet(${sqlString(out)}) order by label`,
      );
      const by = new Map(got.map((g) => [g.label, g]));
      assert.equal(by.get('a')!.pm25, 99, '03:30 reads 03:00 as corrected by the later version, not 04:00');
      assert.equal(by.get('a')!.dataset_version, second.dataset_version);
      assert.equal(by.get('b')!.pm25, 15, 'a value stamped exactly at the label time is known at it');
      assert.equal(by.get('c')!.pm25, null);
      assert.equal(by.get('d')!.pm25, null);
      assert.equal(by.get('e')!.pm25, 19, 'the 500 at 06:00 the next day is after the label: never used');
      assert.equal(new Date(by.get('e')!.feature_as_of!).toISOString(), hour(9));
      const lineage = JSON.parse(await readFile(`${out}.lineage.json`, 'utf8')) as {
        dataset_versions: string[];
      };
      assert.deepEqual(lineage.dataset_versions.sort(), result.datasetVersions.sort());

      const stale = await exportTrainingSet(new Catalog(store.db), store.offline, {
        view: 'sensor_pm_hourly',
        labels,
        out: path.join(store.dir, 'stale.parquet'),
        maxAgeHours: 2,
        tempDir: path.join(store.dir, 'y'),
      });
      assert.equal(stale.unmatched, 3, 'with a 2 h limit, a value 20.9 h old is not joined');
    });
  });
});
