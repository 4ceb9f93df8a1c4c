/**
 * The offline store on S3 (FEATURE_STORE_URI=s3://…), against s3rver: a load is read back through
 * its manifest; a load interrupted before its manifest or its catalog row leaves nothing readable
 * and the sweep removes it; a tampered object is refused; the point-in-time export is the same
 * whichever store holds the versions.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createTestDatabase, type TestDatabase } from '@cityassist/db';
import {
  Catalog,
  exportTrainingSet,
  MANIFEST_NAME,
  openDuck,
  queryRows,
  S3OfflineStore,
  sqlString,
  type Manifest,
  type OfflineStore,
} from '@cityassist/feature-store';
import S3rver from 's3rver';
import { airQuality } from '../pipelines/air-quality/pipeline.ts';
import { etlOf } from './config.ts';
import { openOfflineStore, sweepOfflineStore } from './offline.ts';
import { runPipeline } from './runner.ts';
import { openAqCsv, openTestStore } from './testing/harness.ts';

const BUCKET = 'cityassist-features-test';
const base = { trigger: 'test', requestedBy: 'test:s3' };
const hour = (h: number) => new Date(Date.parse('2015-12-18T00:00:00Z') + h * 3_600_000).toISOString();
const readings = (from: number, n: number, sensor = 's1') =>
  Array.from({ length: n }, (_, i) => [sensor, hour(from + i), 'pm25', 10 + from + i, 'µg/m³'] as const);

/** A manifest write that fails: the load's last S3 write, as a crash or an outage would stop it. */
class ManifestFails extends S3OfflineStore {
  protected override putManifest(): Promise<void> {
    return Promise.reject(new Error('connection reset while writing the manifest'));
  }
}

async function testDatabase(): Promise<TestDatabase | undefined> {
  const db = await createTestDatabase();
  return db && { url: db.url, [Symbol.asyncDispose]: () => db[Symbol.asyncDispose]() };
}

describe('the offline store on S3 (s3rver)', () => {
  let dir = '';
  let server: S3rver;
  let endpoint = '';
  let raw: S3Client;
  const s3Env = () => ({
    S3_ENDPOINT: endpoint,
    S3_REGION: 'us-east-1',
    // s3rver's built-in account.
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    S3_FORCE_PATH_STYLE: true,
  });
  /** The store as the settings build it: FEATURE_STORE_URI with the S3_* settings. */
  const storeAt = (prefix: string, cacheDir: string): OfflineStore =>
    openOfflineStore(
      etlOf(
        {
          ...s3Env(),
          FEATURE_STORE_URI: `s3://${BUCKET}/${prefix}`,
          FEATURE_STORE_DIR: cacheDir,
          ETL_EMBEDDED: false,
          ETL_INBOX_SECONDS: 0,
          ETL_MEMORY_LIMIT: '256MB',
          DATA_DIR: cacheDir,
        },
        {},
        [],
      ),
    );
  const keysUnder = async (prefix: string): Promise<string[]> => {
    const out = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 's3rver-features-'));
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: path.join(dir, 's3'),
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    raw = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
  after(async () => {
    raw.destroy();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('FEATURE_STORE_URI chooses the store: a path is a folder, s3:// the bucket', () => {
    const env = {
      ...s3Env(),
      ETL_EMBEDDED: false,
      ETL_INBOX_SECONDS: 0,
      ETL_MEMORY_LIMIT: '256MB',
      DATA_DIR: dir,
    };
    const folder = etlOf(env, {}, []);
    assert.deepEqual(folder.offline, { kind: 'folder', dir: path.join(dir, 'feature-store') });
    const s3 = etlOf({ ...env, FEATURE_STORE_URI: `s3://${BUCKET}/a/b/` }, {}, []);
    assert.deepEqual(s3.offline, { kind: 's3', uri: `s3://${BUCKET}/a/b` });
    assert.equal(s3.offlineDir, path.join(dir, 'feature-store'), 'the local cache');
    assert.ok(openOfflineStore(s3) instanceof S3OfflineStore);
    assert.throws(() => etlOf({ ...env, FEATURE_STORE_URI: 's3://B/x' }, {}, []), /FEATURE_STORE_URI/);
  });

  it('loads a version into the bucket, manifest last, and reads it back verified', async (t) => {
    await using cfg = await testDatabase();
    if (!cfg) return t.skip('no Postgres on this machine');
    await using store = await openTestStore(cfg, { offline: (d) => storeAt('load', path.join(d, 'cache')) });
    const summary = await runPipeline(store, airQuality, {
      ...base,
      sources: [await store.write('a.csv', openAqCsv(readings(0, 30)))],
    });
    assert.equal(summary.status, 'succeeded', JSON.stringify(summary));
    const [version] = await new Catalog(store.db).versions({ view: 'sensor_pm_hourly' });
    assert.ok(
      version!.offlineUri.startsWith(`s3://${BUCKET}/load/sensor_pm_hourly/version=`),
      version!.offlineUri,
    );
    const prefix = `${version!.offlineUri.slice(`s3://${BUCKET}/`.length)}/`;
    const keys = await keysUnder(prefix);
    assert.ok(keys.includes(`${prefix}${MANIFEST_NAME}`), keys.join());
    const parquet = keys.filter((k) => k.endsWith('.parquet'));
    assert.equal(parquet.length, 2, 'two days, one partition each');
    const manifestObject = await raw.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}${MANIFEST_NAME}` }),
    );
    const manifest = JSON.parse(await manifestObject.Body!.transformToString()) as Manifest;
    assert.deepEqual(
      manifest.files.map((f) => `${prefix}${f.path}`),
      parquet,
      'the manifest lists every object',
    );
    for (const f of manifest.files) assert.match(f.sha256, /^[0-9a-f]{64}$/);

    const files = await store.offline.files(version!.offlineUri);
    assert.equal(files.length, 2);
    using duck = await openDuck({ tempDir: path.join(store.dir, 'q') });
    const rows = await queryRows<{ n: number; total: number }>(
      duck,
      `select count(*)::double as n, sum(pm25)::double as total from read_parquet([${files.map(sqlString).join(', ')}])`,
    );
    assert.deepEqual(rows[0], { n: 30, total: readings(0, 30).reduce((s, r) => s + r[3], 0) });
    assert.equal((await readdir(path.join(store.dir, 'cache', '.staging'))).length, 0, 'staging emptied');
  });

  it('an interrupted load leaves nothing readable, and the sweep removes what a crash left', async (t) => {
    await using cfg = await testDatabase();
    if (!cfg) return t.skip('no Postgres on this machine');
    // The manifest write fails: the run fails and every object it uploaded is removed.
    await using failing = await openTestStore(cfg, {
      offline: (d) =>
        new ManifestFails({
          uri: `s3://${BUCKET}/interrupted`,
          endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
          forcePathStyle: true,
          cacheDir: path.join(d, 'cache'),
        }),
    });
    const failed = await runPipeline(failing, airQuality, {
      ...base,
      sources: [await failing.write('a.csv', openAqCsv(readings(0, 30)))],
    });
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'ETL_LOAD_FAILED');
    assert.match(failed.error.message, /manifest/);
    assert.deepEqual(await keysUnder('interrupted/'), [], 'nothing uploaded is left');
    assert.deepEqual(await new Catalog(failing.db).versions({}), []);

    // A crash leaves what a cleanup never ran for: objects with no manifest, and a complete version
    // with no catalog row. Neither is readable; the sweep removes both, and keeps the committed one.
    const store = storeAt('crashed', path.join(failing.dir, 'cache2'));
    const ok = await runPipeline({ ...failing, offline: store }, airQuality, {
      ...base,
      sources: [await failing.write('b.csv', openAqCsv(readings(40, 5)))],
    });
    assert.equal(ok.status, 'succeeded', JSON.stringify(ok));
    const halfway = 'crashed/sensor_pm_hourly/version=20260101T000000Z.deadbeef/';
    await raw.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${halfway}date=2026-01-01/data_0.parquet`,
        Body: 'PAR1…',
      }),
    );
    await assert.rejects(
      store.files(`s3://${BUCKET}/${halfway.slice(0, -1)}`),
      (err: Error & { code?: string }) => err.code === 'FEATURE_STORE_NO_MANIFEST',
    );
    const staged = await store.stage('sensor_pm_hourly', '20260101T000000Z.cafef00d');
    using duck = await openDuck({ tempDir: path.join(failing.dir, 'q') });
    await duck.run(
      `copy (select 's9' as entity_id, now() as as_of, 1.0 as pm25) to ${sqlString(path.join(staged.dir, 'x.parquet'))} (format parquet)`,
    );
    const orphan = await staged.commit();
    const known = await new Catalog(failing.db).offlineUris();
    assert.equal(known.has(orphan), false, 'no catalog row names it, so no reader lists it');

    assert.deepEqual(await sweepOfflineStore(failing.db, store, 60_000), [], 'younger than the grace');
    const removed = await sweepOfflineStore(failing.db, store, 0);
    assert.deepEqual(removed.sort(), [orphan, `s3://${BUCKET}/${halfway.slice(0, -1)}`].sort());
    const [committed] = await new Catalog(failing.db).versions({});
    const left = await keysUnder('crashed/');
    assert.ok(left.length >= 2, 'the committed version stays');
    const keep = `${committed!.offlineUri.slice(`s3://${BUCKET}/`.length)}/`;
    assert.ok(
      left.every((k) => k.startsWith(keep)),
      left.join(),
    );
    assert.equal((await store.files(committed!.offlineUri)).length, 1, 'and is still readable');
    store.close?.();
  });

  it('refuses an object whose bytes are not the ones its manifest names', async (t) => {
    await using cfg = await testDatabase();
    if (!cfg) return t.skip('no Postgres on this machine');
    await using store = await openTestStore(cfg, {
      offline: (d) => storeAt('tamper', path.join(d, 'cache')),
    });
    const summary = await runPipeline(store, airQuality, {
      ...base,
      sources: [await store.write('a.csv', openAqCsv(readings(0, 10)))],
    });
    assert.equal(summary.status, 'succeeded');
    const [version] = await new Catalog(store.db).versions({});
    const prefix = `${version!.offlineUri.slice(`s3://${BUCKET}/`.length)}/`;
    const [object] = (await keysUnder(prefix)).filter((k) => k.endsWith('.parquet'));
    await raw.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: object, Body: 'PAR1 not the bytes that were loaded PAR1' }),
    );
    // A reader with a fresh cache (another worker, or after a restart) downloads and checks it.
    const reader = storeAt('tamper', path.join(store.dir, 'fresh-cache'));
    try {
      await assert.rejects(reader.files(version!.offlineUri), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'FEATURE_STORE_CORRUPT');
        assert.match(err.message, /does not match its manifest/);
        return true;
      });
      const labels = await store.write('labels.csv', `sensor_id,label_time\ns1,${hour(5)}\n`);
      await assert.rejects(
        exportTrainingSet(new Catalog(store.db), reader, {
          view: 'sensor_pm_hourly',
          labels,
          out: path.join(store.dir, 'train.parquet'),
          tempDir: path.join(store.dir, 'x'),
        }),
        /FEATURE_STORE_CORRUPT|does not match its manifest/,
      );
      const cached = await readdir(path.join(store.dir, 'fresh-cache'), { recursive: true });
      assert.equal(cached.filter((f) => f.endsWith('.parquet')).length, 0, 'no refused copy is kept');
    } finally {
      reader.close?.();
    }
  });

  it('the point-in-time export from S3 equals the export from the folder', async (t) => {
    await using cfgA = await testDatabase();
    await using cfgB = await testDatabase();
    if (!cfgA || !cfgB) return t.skip('no Postgres on this machine');
    await using folder = await openTestStore(cfgA);
    await using s3 = await openTestStore(cfgB, { offline: (d) => storeAt('pit', path.join(d, 'cache')) });
    const deliveries = [
      openAqCsv([...readings(0, 24), ...readings(0, 24, 's2')]),
      // Corrects 03:00 and adds a value after every label: the newest version wins, the future never.
      openAqCsv([['s1', hour(3), 'pm25', 99, 'µg/m³'], ...readings(30, 3)]),
    ];
    const labels = `sensor_id,label_time,label\ns1,${hour(3.5)},a\ns1,${hour(12)},b\ns2,${hour(-1)},c\ns2,${hour(23.5)},d\ns3,${hour(5)},e\ns1,${hour(29.9)},f\n`;
    const exports = [];
    for (const store of [folder, s3] as const) {
      for (const [i, text] of deliveries.entries()) {
        const r = await runPipeline(store, airQuality, {
          ...base,
          sources: [await store.write(`d${i}.csv`, text)],
        });
        assert.equal(r.status, 'succeeded', JSON.stringify(r));
      }
      const out = path.join(store.dir, 'train.parquet');
      const result = await exportTrainingSet(new Catalog(store.db), store.offline, {
        view: 'sensor_pm_hourly',
        labels: await store.write('labels.csv', labels),
        out,
        tempDir: path.join(store.dir, 'x'),
      });
      using duck = await openDuck({ tempDir: path.join(store.dir, 'q') });
      const rows = await queryRows<Record<string, unknown>>(
        duck,
        `select * exclude (dataset_version), dataset_version is null as unmatched from read_parquet(${sqlString(out)}) order by label`,
      );
      exports.push({
        rows,
        count: result.rows,
        unmatched: result.unmatched,
        versions: result.datasetVersions.length,
      });
    }
    assert.equal(exports[0]!.count, 6);
    assert.equal(exports[0]!.unmatched, 2);
    assert.equal(exports[0]!.rows.find((r) => r['label'] === 'a')!['pm25'], 99, 'the correction won');
    assert.deepEqual(exports[1], exports[0]);
  });
});
