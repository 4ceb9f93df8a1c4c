import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import {
  buildManifest,
  fetchModel,
  LOCAL_MANIFEST,
  main,
  modelBucketFromEnv,
  parseModelRef,
  publishModel,
  type ModelBucket,
} from './model-fetch.ts';

const MODELS = path.resolve(import.meta.dirname, '../../../models');
const BUCKET = 'cityassist-models-test';

describe('model delivery from S3 (s3rver on loopback)', () => {
  let server: S3rver;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let bucket: ModelBucket;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'model-fetch-'));
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: path.join(dir, 's3'),
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await server.run();
    env = {
      MODELS_S3_BUCKET: BUCKET,
      MODELS_S3_PREFIX: 'models',
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    };
    bucket = modelBucketFromEnv(env);
  });
  after(async () => {
    bucket?.client.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes a version and fetches it back byte for byte, checked against the pinned manifest', async () => {
    const published = await publishModel(bucket, path.join(MODELS, 'flood/1.0.0'));
    const local = await buildManifest(path.join(MODELS, 'flood/1.0.0'));
    assert.deepEqual(published, { name: 'flood', version: '1.0.0', sha256: local.sha256 });

    const dest = path.join(dir, 'fetched');
    const first = await fetchModel(bucket, { name: 'flood', version: '1.0.0', sha256: local.sha256 }, dest);
    assert.deepEqual(first, { fetched: true, files: local.manifest.files.length });
    for (const file of local.manifest.files) {
      assert.deepEqual(
        await readFile(path.join(dest, 'flood/1.0.0', file.path)),
        await readFile(path.join(MODELS, 'flood/1.0.0', file.path)),
        file.path,
      );
    }
    assert.equal((await buildManifest(path.join(dest, 'flood/1.0.0'))).sha256, local.sha256);
    // An init container that runs again finds the version in place and downloads nothing.
    const again = await fetchModel(bucket, { name: 'flood', version: '1.0.0', sha256: local.sha256 }, dest);
    assert.equal(again.fetched, false);
    assert.deepEqual((await readdir(dest)).sort(), ['flood'], 'no staging folder left behind');
  });

  it('refuses to publish a version twice: versions are immutable', async () => {
    await assert.rejects(publishModel(bucket, path.join(MODELS, 'flood/1.0.0')), /already published/);
  });

  it('refuses a manifest that does not hash to the pin, and installs nothing', async () => {
    const dest = path.join(dir, 'wrong-pin');
    await assert.rejects(
      fetchModel(bucket, { name: 'flood', version: '1.0.0', sha256: 'f'.repeat(64) }, dest),
      /manifest SHA-256 is [a-f0-9]{64}, the deployment pins f{64}/,
    );
    await assert.rejects(readdir(path.join(dest, 'flood/1.0.0')), /ENOENT/);
  });

  it('refuses a file changed in the bucket after publishing, and installs nothing', async () => {
    const source = path.join(dir, 'src/energy/1.0.0');
    await cp(path.join(MODELS, 'energy/1.0.0'), source, { recursive: true });
    const { sha256 } = await publishModel(bucket, source);
    await bucket.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'models/energy/1.0.0/model.onnx',
        Body: Buffer.from('tampered'),
      }),
    );
    const dest = path.join(dir, 'tampered');
    await assert.rejects(
      fetchModel(bucket, { name: 'energy', version: '1.0.0', sha256 }, dest),
      /model\.onnx: content does not match its manifest/,
    );
    await assert.rejects(readdir(path.join(dest, 'energy/1.0.0')), /ENOENT/);
  });

  it('refuses a manifest whose paths leave the version folder', async () => {
    const manifest = Buffer.from(
      JSON.stringify({
        schema: 1,
        name: 'evil',
        version: '1.0.0',
        files: [{ path: '../../etc/x', sha256: 'a'.repeat(64), size: 1 }],
      }),
    );
    await bucket.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'models/evil/1.0.0/manifest.json', Body: manifest }),
    );
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(manifest).digest('hex');
    await assert.rejects(
      fetchModel(bucket, { name: 'evil', version: '1.0.0', sha256 }, path.join(dir, 'evil')),
      /not a plain relative path/,
    );
  });

  it('the command line: digest, then fetch several pinned models, logging JSON lines', async () => {
    const lines: any[] = [];
    const log = (l: object) => lines.push(l);
    assert.equal(await main(['digest', path.join(MODELS, 'flood/1.0.0')], env, log), 0);
    const pin = lines[0].sha256 as string;
    const dest = path.join(dir, 'cli');
    assert.equal(await main(['fetch', '--dest', dest, '--model', `flood/1.0.0@sha256:${pin}`], env, log), 0);
    assert.equal(lines.at(-1).msg, 'model fetched');
    assert.ok(JSON.parse(await readFile(path.join(dest, 'flood/1.0.0', LOCAL_MANIFEST), 'utf8')));
    await assert.rejects(main(['fetch', '--dest', dest], env, log), /at least one --model/);
  });

  it('parses pins strictly: exact versions, 64 hex digits', () => {
    assert.deepEqual(parseModelRef(`aqi/1.0.0@sha256:${'a'.repeat(64)}`), {
      name: 'aqi',
      version: '1.0.0',
      sha256: 'a'.repeat(64),
    });
    assert.throws(() => parseModelRef(`aqi/latest@sha256:${'a'.repeat(64)}`), /never "latest"/);
    assert.throws(() => parseModelRef('aqi/1.0.0@sha256:abc'), /not name\/version@sha256/);
    assert.throws(() => parseModelRef(`aqi/1.0.0`), /not name\/version@sha256/);
    assert.throws(
      () => modelBucketFromEnv({ MODELS_S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'x' }),
      /set both or neither/,
    );
  });
});
