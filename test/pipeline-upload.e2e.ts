/**
 * A pipeline delivery uploaded through the gateway (GraphQL multipart request spec): the gateway
 * parses the multipart request, checks the caller's `features:write`, and forwards it as multipart
 * to the predictions subgraph, which streams the file to disk and runs it like an inbox delivery.
 * A caller without the scope is refused before anything runs; a file over the subgraph's
 * ETL_UPLOAD_MAX_BYTES is refused with its code through the gateway; no copy is left behind.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { postGraphQL, startTestStack, type TestStack } from './support.ts';

const RUN = `mutation RunUpload($p: String!, $file: Upload) {
  runPipeline(pipeline: $p, file: $file) { runId status rowsLoaded trigger sources { uri bytes } error { code } }
}`;
const ETL_UPLOAD_MAX_BYTES = 20_000;

function readings(hours: number): string {
  const start = Date.parse('2016-03-01T00:00:00Z');
  const lines = ['location_id,datetime,parameter,value,unit'];
  for (let h = 0; h < hours; h++) {
    lines.push(`olinda-02,${new Date(start + h * 3_600_000).toISOString()},pm25,${8 + (h % 5)},µg/m³`);
  }
  return `${lines.join('\n')}\n`;
}

async function upload(url: string, text: string, headers: Record<string, string>) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: RUN, variables: { p: 'air-quality', file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([text], { type: 'text/csv' }), 'march.csv');
  const res = await fetch(url, { method: 'POST', headers, body: form });
  const body = await res.text();
  try {
    return { status: res.status, body: JSON.parse(body) as { data?: any; errors?: any[] } };
  } catch {
    throw new Error(`not a JSON answer (${res.status}): ${body.slice(0, 300)}`);
  }
}

describe('a pipeline delivery uploaded through the gateway', () => {
  let stack: (TestStack & AsyncDisposable) | undefined;
  let store = '';
  const uploadsDir = () => path.join(store, '.tmp', 'uploads');
  const leftovers = async () =>
    (await readdir(uploadsDir()).catch(() => [])).filter((f) => !f.startsWith('.'));

  before(async () => {
    store = await mkdtemp(path.join(tmpdir(), 'cityassist-e2e-features-'));
    stack = await startTestStack('PGlite', {
      env: {
        FEATURE_STORE_DIR: store,
        ETL_UPLOAD_MAX_BYTES: String(ETL_UPLOAD_MAX_BYTES),
        ETL_INBOX_SECONDS: '0',
      },
    });
  });
  after(async () => {
    for (const svc of Object.values(stack?.services ?? {})) {
      if (svc.process.exitCode !== null) {
        console.error(`${svc.name} exited early:\n${svc.output().slice(-4000)}`);
      }
    }
    await stack?.[Symbol.asyncDispose]();
    if (store) await rm(store, { recursive: true, force: true });
  });

  it('runs the uploaded file with features:write and records it', async () => {
    const text = readings(48);
    const res = await upload(stack!.gatewayUrl, text, { 'x-api-key': stack!.apiKeys.admin });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const run = res.body.data.runPipeline;
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.equal(run.rowsLoaded, 48);
    assert.equal(run.trigger, 'api');
    assert.deepEqual(run.sources, [{ uri: 'upload:air-quality/march.csv', bytes: Buffer.byteLength(text) }]);
    assert.deepEqual(await leftovers(), []);
    const runs = await postGraphQL(
      stack!.gatewayUrl,
      '{ etlRuns(pipeline: "air-quality", first: 5) { runId status } }',
      undefined,
      { 'x-api-key': stack!.apiKeys.admin },
    );
    assert.ok(
      (runs.data!['etlRuns'] as { runId: string }[]).some((r) => r.runId === run.runId),
      'the run is listed',
    );
  });

  it('EXPECTED FAILURE - refuses a caller without features:write, and nothing runs', async () => {
    const res = await upload(stack!.gatewayUrl, readings(12), { 'x-api-key': stack!.apiKeys.reader });
    assert.equal(res.body.data?.runPipeline ?? null, null);
    assert.ok(res.body.errors?.length, JSON.stringify(res.body));
    assert.match(String(res.body.errors[0].extensions?.code), /FORBIDDEN|UNAUTHORIZED|UNAUTHENTICATED/);
    assert.deepEqual(await leftovers(), []);
  });

  it('EXPECTED FAILURE - a file over ETL_UPLOAD_MAX_BYTES is refused with UPLOAD_TOO_LARGE through the gateway', async () => {
    const big = readings(600);
    assert.ok(Buffer.byteLength(big) > ETL_UPLOAD_MAX_BYTES);
    const res = await upload(stack!.gatewayUrl, big, { 'x-api-key': stack!.apiKeys.admin });
    assert.equal(res.body.data?.runPipeline ?? null, null);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPLOAD_TOO_LARGE', JSON.stringify(res.body));
    assert.deepEqual(await leftovers(), []);
  });
});
