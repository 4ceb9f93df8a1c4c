import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import S3rver from 's3rver';
import sharp from 'sharp';
import { startReportsService } from '../service.ts';
import { pointIn, sceneImages, submitWithPhoto, testConfig } from '../testing.ts';
import { FolderObjectStore } from './folder-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3-store.ts';

const BUCKET = 'cityassist-reports-test';
const logger = createLogger('reports', 'silent');

async function listAll(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys.sort();
}

/** What every ObjectStore must do, run against each implementation. */
function contract(make: () => ObjectStore) {
  it('puts, gets, lists and deletes objects by key', async () => {
    const store = make();
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 1, 2, 3]);
    await store.put('photos/abc.jpg', bytes, 'image/jpeg');
    await store.put('heatmaps/abc-1.png', Buffer.from('png'), 'image/png');
    assert.deepEqual(await store.get('photos/abc.jpg'), bytes);
    assert.deepEqual(await listAll(store, 'photos/'), ['photos/abc.jpg']);
    for await (const o of store.list('photos/')) {
      assert.ok(Math.abs(o.lastModified.getTime() - Date.now()) < 24 * 3600_000, 'a real modification time');
    }
    await store.delete('photos/abc.jpg');
    assert.equal(await store.get('photos/abc.jpg'), undefined);
    assert.deepEqual(await listAll(store, 'photos/'), []);
    await store.delete('photos/abc.jpg');
    await store.delete('heatmaps/abc-1.png');
  });

  it('answers undefined for a missing key', async () => {
    assert.equal(await make().get('photos/never-stored.jpg'), undefined);
  });

  it('EXPECTED FAILURE - refuses a key that could leave its folder', async () => {
    const store = make();
    await assert.rejects(store.put('../../etc/passwd', Buffer.from('x'), 'text/plain'), /not an object key/);
    await assert.rejects(store.get('photos/../../secret.jpg'), /not an object key/);
  });
}

describe('FolderObjectStore', () => {
  let dir: string;
  let store: FolderObjectStore;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'folder-store-'));
    store = await FolderObjectStore.open(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));
  contract(() => store);
});

describe('S3ObjectStore against s3rver', () => {
  let dir: string;
  let server: S3rver;
  let store: S3ObjectStore;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 's3rver-'));
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await server.run();
    store = new S3ObjectStore({
      bucket: BUCKET,
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      // s3rver's built-in account.
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
    await store.ping();
  });
  after(async () => {
    await store.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  contract(() => store);

  describe('as the store of the service', () => {
    const subject = subgraphUnderTest(
      () => Promise.resolve({ dataDir: 'memory://', [Symbol.asyncDispose]: () => Promise.resolve() }),
      (database) => startReportsService(testConfig(database), logger, { store }),
    );

    it('keeps the safe copy and the heatmap in the bucket and serves them back', async () => {
      const scenes = await sceneImages();
      const res = await submitWithPhoto(
        subject.server!.url,
        `mutation($input: SubmitReportInput!, $photo: Upload) {
          submitReport(input: $input, photo: $photo) { id photo { dataUrl } triage { label explanation { heatmap } } }
        }`,
        {
          location: await pointIn('260960005000010'),
          description: 'Tree on the road',
          category: 'FALLEN_TREE',
        },
        { bytes: await scenes.fallen_tree.clone().png().toBuffer(), filename: 't.png', type: 'image/png' },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const report = res.data!['submitReport'];
      assert.equal(report.triage.label, 'fallen_tree');
      assert.deepEqual(await listAll(store, 'photos/'), [`photos/${report.id}.jpg`]);
      assert.equal((await listAll(store, 'heatmaps/')).length, 1);
      const served = Buffer.from(report.photo.dataUrl.split(',')[1], 'base64');
      assert.deepEqual(served, await store.get(`photos/${report.id}.jpg`));
      assert.equal((await sharp(served).metadata()).format, 'jpeg');
      assert.ok(report.triage.explanation.heatmap.startsWith('data:image/png;base64,'));
    });
  });
});

describe('the orphan sweep at start', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'orphans-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('deletes old images no report points at, and keeps new ones and referenced ones', async () => {
    const database = { dataDir: path.join(dir, 'db') };
    const config = testConfig(database, { UPLOADS_DIR: path.join(dir, 'uploads') });
    const first = await startReportsService(config, logger);
    const scenes = await sceneImages();
    const res = await submitWithPhoto(
      first.url,
      'mutation($input: SubmitReportInput!, $photo: Upload) { submitReport(input: $input, photo: $photo) { id } }',
      { location: await pointIn('260960005000010'), description: 'Kept', category: 'POTHOLE' },
      { bytes: await scenes.pothole.clone().png().toBuffer(), filename: 'p.png', type: 'image/png' },
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const id = res.data!['submitReport'].id as string;
    await first.close();

    // As a crash between storing an image and writing its row would leave them.
    const store = await FolderObjectStore.open(config.storage.kind === 'folder' ? config.storage.dir : '');
    await store.put('photos/crashed-long-ago.jpg', Buffer.from('x'), 'image/jpeg');
    await store.put('heatmaps/crashed-long-ago-1.png', Buffer.from('x'), 'image/png');
    await store.put('photos/in-flight.jpg', Buffer.from('x'), 'image/jpeg');
    const [ownHeatmap] = (await listAll(store, 'heatmaps/')).filter((k) => k.startsWith(`heatmaps/${id}-`));
    assert.ok(ownHeatmap);
    const hourAgo = new Date(Date.now() - 60 * 60_000);
    for (const key of [
      'photos/crashed-long-ago.jpg',
      'heatmaps/crashed-long-ago-1.png',
      `photos/${id}.jpg`,
      ownHeatmap,
    ]) {
      await utimes(path.join(dir, 'uploads', key), hourAgo, hourAgo);
    }

    const second = await startReportsService(config, logger);
    try {
      assert.deepEqual(await listAll(store, 'photos/'), [`photos/${id}.jpg`, 'photos/in-flight.jpg'].sort());
      assert.deepEqual(await listAll(store, 'heatmaps/'), [ownHeatmap], "the report's own heatmap stays");
    } finally {
      await second.close();
    }
  });
});
