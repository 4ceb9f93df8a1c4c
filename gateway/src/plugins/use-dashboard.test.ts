import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { parseConfig } from '../config.ts';
import { createGatewayTester, type GatewayTester } from '../testing/gateway-tester.ts';
import { useDashboard } from './use-dashboard.ts';

const zones = {
  name: 'zones',
  typeDefs: 'type Query { hello: String }',
  resolvers: { Query: { hello: () => 'world' } },
};
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;

describe('useDashboard', () => {
  let dir: string;
  let gw: GatewayTester;
  let unbuilt: GatewayTester;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dashboard-test-'));
    await mkdir(path.join(dir, 'dist/assets'), { recursive: true });
    await mkdir(path.join(dir, 'dist/.vite'), { recursive: true });
    await writeFile(path.join(dir, 'dist/index.html'), '<!doctype html><title>CityAssist</title>');
    await writeFile(path.join(dir, 'dist/assets/index-HkFk8Q2v.js'), SCRIPT);
    await writeFile(path.join(dir, 'dist/assets/index-BSkbrJZm.css'), 'body{margin:0}');
    await writeFile(path.join(dir, 'dist/robots.txt'), 'User-agent: *');
    await writeFile(path.join(dir, 'dist/.vite/manifest.json'), '{}');
    await writeFile(path.join(dir, 'secret.txt'), 'outside the build');
    gw = createGatewayTester({
      subgraphs: [zones],
      plugins: () => [useDashboard({ dir: path.join(dir, 'dist') })],
    });
    unbuilt = createGatewayTester({
      subgraphs: [zones],
      plugins: () => [useDashboard({ dir: path.join(dir, 'nowhere') })],
    });
  });
  after(async () => {
    await gw[Symbol.asyncDispose]();
    await unbuilt[Symbol.asyncDispose]();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at /dashboard and /dashboard/, never cached, under a self-only CSP', async () => {
    for (const at of ['/dashboard', '/dashboard/', '/dashboard/index.html']) {
      const res = await gw.fetch(at, { headers: { host: 'city.example:4000' } });
      assert.equal(res.status, 200, at);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(await res.text(), '<!doctype html><title>CityAssist</title>');
      const csp = res.headers.get('content-security-policy')!;
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self';/);
      assert.match(csp, /style-src 'self';/);
      assert.match(csp, /connect-src 'self' ws:\/\/city\.example:4000 wss:\/\/city\.example:4000;/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:|\*/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  it('names no WebSocket origin from a Host header that is not a plain host', async () => {
    const res = await gw.fetch('/dashboard', {
      headers: { host: "evil.example; script-src 'unsafe-inline'" },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy')!, /connect-src 'self';/);
    assert.doesNotMatch(res.headers.get('content-security-policy')!, /evil|unsafe-inline/);
  });

  it('serves hashed assets with their content types, cached for a year', async () => {
    const js = await gw.fetch('/dashboard/assets/index-HkFk8Q2v.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await js.text(), SCRIPT);
    const css = await gw.fetch('/dashboard/assets/index-BSkbrJZm.css');
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal(css.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    // A file without a hash in its name may change under it: revalidated.
    const robots = await gw.fetch('/dashboard/robots.txt');
    assert.equal(robots.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(robots.headers.get('cache-control'), 'no-cache');
  });

  it('compresses text for clients that accept it', async () => {
    const br = await gw.fetch('/dashboard/assets/index-HkFk8Q2v.js', {
      headers: { 'accept-encoding': 'gzip, br' },
    });
    assert.equal(br.headers.get('content-encoding'), 'br');
    assert.equal(br.headers.get('vary'), 'accept-encoding');
    const brBody = Buffer.from(await br.arrayBuffer());
    assert.ok(brBody.length < SCRIPT.length / 4);
    assert.equal(brotliDecompressSync(brBody).toString(), SCRIPT);
    const gz = await gw.fetch('/dashboard/assets/index-HkFk8Q2v.js', {
      headers: { 'accept-encoding': 'gzip' },
    });
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.equal(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString(), SCRIPT);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await gw.fetch('/dashboard/assets/index-HkFk8Q2v.js', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(SCRIPT.length));
    assert.equal(await res.text(), '');
  });

  it('is 404 for anything else under /dashboard, and never reaches outside the build', async () => {
    for (const at of [
      '/dashboard/missing.js',
      '/dashboard/assets',
      '/dashboard/assets/',
      '/dashboard/zone/260960005000001',
      '/dashboard/.vite/manifest.json',
      '/dashboard/%2e%2e/secret.txt',
      '/dashboard/assets%2F..%2F..%2Fsecret.txt',
      '/dashboard/..%5Csecret.txt',
      '/dashboard/%00',
      '/dashboard/%E0%A4%A',
      '/dashboard//index.html',
    ]) {
      const res = await gw.fetch(at);
      const body = await res.text();
      assert.ok(res.status === 404, `${at}: ${res.status}`);
      assert.doesNotMatch(body, /outside the build/, at);
    }
    // Not under /dashboard: left to the rest of the gateway.
    assert.equal((await gw.fetch('/dashboardx')).status, 404);
  });

  it('takes GET and HEAD only', async () => {
    const res = await gw.fetch('/dashboard', { method: 'POST', body: 'x' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  });

  it('says the page is not built (503) when there is no build, and 404 for its assets', async () => {
    const res = await unbuilt.fetch('/dashboard');
    assert.equal(res.status, 503);
    assert.match(await res.text(), /npm run build:dashboard/);
    assert.equal((await unbuilt.fetch('/dashboard/assets/index-HkFk8Q2v.js')).status, 404);
  });

  it('leaves GraphQL alone', async () => {
    const res = await gw.graphql({ query: '{ hello }' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { data: { hello: 'world' } });
  });

  it('is on by default, in production too, and DASHBOARD=false turns it off', () => {
    assert.equal(parseConfig({}).dashboard.enabled, true);
    assert.equal(
      parseConfig({ NODE_ENV: 'production', GATEWAY_SECRET: 's'.repeat(32) }).dashboard.enabled,
      true,
    );
    assert.equal(parseConfig({ DASHBOARD: 'false' }).dashboard.enabled, false);
    assert.match(parseConfig({}).dashboard.dir, /dashboard[/\\]dist$/);
  });
});
