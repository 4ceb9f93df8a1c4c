/**
 * `runPipeline(pipeline, file: Upload)` against the subgraph: a delivery uploaded as a GraphQL
 * multipart request runs like an inbox delivery, its temporary copy is removed whatever the
 * outcome, and a file over ETL_UPLOAD_MAX_BYTES or an empty one is refused with its code.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createLogger, GATEWAY_SECRET_HEADER } from '@cityassist/service-kit';
import { subgraphUnderTest, TEST_GATEWAY_SECRET } from '@cityassist/service-kit/testing';
import { startPredictionsService } from '../service.ts';
import { testConfig } from '../testing.ts';

const logger = createLogger('predictions', 'silent');
const MAX_BYTES = 4096;

const RUN = `mutation($p: String!, $file: Upload) {
  runPipeline(pipeline: $p, file: $file) {
    status rowsRead rowsLoaded sources { uri sha256 bytes } datasetVersions error { code }
  }
}`;

/** Hourly PM2.5 readings of one sensor as OpenAQ long CSV. */
function readings(hours: number, start = Date.parse('2016-02-01T00:00:00Z')): string {
  const lines = ['location_id,datetime,parameter,value,unit'];
  for (let h = 0; h < hours; h++) {
    lines.push(`olinda-01,${new Date(start + h * 3_600_000).toISOString()},pm25,${10 + (h % 7)},µg/m³`);
  }
  return `${lines.join('\n')}\n`;
}

async function upload(url: string, pipeline: string, bytes: Buffer, filename = 'readings.csv') {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: RUN, variables: { p: pipeline, file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([new Uint8Array(bytes)], { type: 'text/csv' }), filename);
  const res = await fetch(url, {
    method: 'POST',
    headers: { [GATEWAY_SECRET_HEADER]: TEST_GATEWAY_SECRET },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}

describe('runPipeline with an uploaded delivery', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'etl-upload-'));
  const store = path.join(dir, 'store');
  const subject = subgraphUnderTest(
    () => Promise.resolve({ dataDir: 'memory://', [Symbol.asyncDispose]: () => Promise.resolve() }),
    (database) =>
      startPredictionsService(
        testConfig(database, {
          ETL_EMBEDDED: 'false',
          FEATURE_STORE_DIR: store,
          ETL_UPLOAD_MAX_BYTES: String(MAX_BYTES),
        }),
        logger,
      ),
  );
  after(() => rm(dir, { recursive: true, force: true }));
  /** Every file left in the service's upload folder: there must be none between requests. */
  const leftovers = async () =>
    (await readdir(path.join(store, '.tmp', 'uploads')).catch(() => [])).filter((f) => !f.startsWith('.'));

  it('runs the uploaded file like a delivery, records it as upload:<pipeline>/<name>, and removes it', async () => {
    const text = readings(40);
    assert.ok(Buffer.byteLength(text) < MAX_BYTES);
    const first = await upload(subject.server!.url, 'air-quality', Buffer.from(text), 'feb/../readings.csv');
    assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
    const run = first.body.data.runPipeline;
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.equal(run.rowsLoaded, 40);
    assert.deepEqual(
      run.sources.map((s: { uri: string }) => s.uri),
      ['upload:air-quality/readings.csv'],
    );
    assert.equal(run.sources[0].bytes, Buffer.byteLength(text));
    assert.deepEqual(await leftovers(), []);

    const again = await upload(subject.server!.url, 'air-quality', Buffer.from(text), 'other-name.csv');
    assert.equal(again.body.data.runPipeline.status, 'duplicate', 'the same bytes load once');
    assert.deepEqual(await leftovers(), []);
  });

  it('a delivery the pipeline refuses still leaves no file behind', async () => {
    const cut = readings(5).replace(/\n$/, '');
    const res = await upload(subject.server!.url, 'air-quality', Buffer.from(cut));
    assert.equal(res.body.data.runPipeline.status, 'failed');
    assert.equal(res.body.data.runPipeline.error.code, 'ETL_TRUNCATED');
    assert.deepEqual(await leftovers(), []);
  });

  it('EXPECTED FAILURE - refuses a file over ETL_UPLOAD_MAX_BYTES with UPLOAD_TOO_LARGE', async () => {
    const big = Buffer.from(readings(200));
    assert.ok(big.length > MAX_BYTES);
    const res = await upload(subject.server!.url, 'air-quality', big);
    assert.equal(res.body.data?.runPipeline ?? null, null);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPLOAD_TOO_LARGE', JSON.stringify(res.body));
    assert.equal(res.body.errors?.[0]?.extensions?.limit, MAX_BYTES);
    assert.deepEqual(await leftovers(), []);
  });

  it('EXPECTED FAILURE - refuses an empty file with UPLOAD_EMPTY', async () => {
    const res = await upload(subject.server!.url, 'air-quality', Buffer.alloc(0));
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPLOAD_EMPTY', JSON.stringify(res.body));
    assert.deepEqual(await leftovers(), []);
  });

  it('EXPECTED FAILURE - an unknown pipeline is refused and the upload drained', async () => {
    const res = await upload(subject.server!.url, 'nope', Buffer.from(readings(3)));
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'PIPELINE_NOT_FOUND');
    // The connection is still usable: the next request answers.
    const ok = await subject.gql('{ featureViews { name } }');
    assert.equal(ok.errors, undefined);
    assert.deepEqual(await leftovers(), []);
  });
});
