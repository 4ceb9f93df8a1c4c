/** `npm start` and the services' start-up validation, as a user meets them. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { freePort, ROOT } from '../scripts/stack.ts';
import { postGraphQL } from './support.ts';

const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

describe('npm start', () => {
  it('starts four services, prints their URLs, and stops them all on SIGTERM', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-start-'));
    const ports = {
      GATEWAY_PORT: await freePort(),
      ZONES_PORT: await freePort(),
      REPORTS_PORT: await freePort(),
      PREDICTIONS_PORT: await freePort(),
    };
    const env = {
      ...process.env,
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      DATABASE_URL: '',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    };
    const child = spawn(TSX, ['scripts/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 120_000;
      while (!out.includes('CityAssist is up.')) {
        assert.equal(child.exitCode, null, `npm start exited early:\n${out}`);
        assert.ok(Date.now() < deadline, `not up in time:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(out.includes(`http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`), out);
      const res = await postGraphQL(
        `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`,
        '{ zones(first: 1) { totalCount } }',
      );
      assert.equal(res.data?.['zones'].totalCount, 470);
      child.kill('SIGTERM');
      assert.equal(await exit, 0, out);
      assert.match(out, /All services stopped/);
      // Each service closed its own resources within the grace period, none was cut off.
      assert.doesNotMatch(out, /shutdown took too long|second signal/);
      for (const port of Object.values(ports)) {
        await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), `port ${port} still answers`);
      }
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('start-up validation', () => {
  for (const [service, variable, value] of [
    ['subgraphs/zones', 'ZONES_PORT', 'abc'],
    ['subgraphs/reports', 'DATABASE_URL', 'mysql://root@localhost/db'],
    ['subgraphs/predictions', 'FLOOD_MODEL_VERSION', '../../etc'],
    ['subgraphs/predictions', 'LOG_LEVEL', 'loud'],
    ['gateway', 'GATEWAY_PORT', '70000'],
    ['gateway', 'ZONES_URL', 'not a url'],
  ] as const) {
    it(`EXPECTED FAILURE - ${service} refuses ${variable}=${value} and names it`, () => {
      const run = spawnSync(TSX, [path.join(service, 'src/main.ts')], {
        cwd: ROOT,
        env: { ...process.env, [variable]: value },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`${variable}:`));
    });
  }
});
