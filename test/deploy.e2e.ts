/**
 * The runtime image's contents are enough to run the services — proved without a Docker engine by
 * replaying the Dockerfile in a temp folder: the `deps` stage's `npm ci` is this repository's own
 * installed tree (hard-linked), the `prod-deps` stage's scripts/runtime-deps.sh runs on it as in the
 * image, and the `runtime` stage's COPY lines, read from the Dockerfile itself, assemble /app. Then
 * the four services start from there with NODE_ENV=production (PGlite in memory, no Redis) and every
 * `/ready` answers 200, the gateway's only once it reaches the three subgraphs.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../scripts/stack.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const SERVICES = {
  zones: 'subgraphs/zones/src/main.ts',
  reports: 'subgraphs/reports/src/main.ts',
  predictions: 'subgraphs/predictions/src/main.ts',
  gateway: 'gateway/src/main.ts',
} as const;

/** The COPY lines of one stage of the Dockerfile, one entry per source. */
function copies(stage: string): { from?: string; src: string; dest: string }[] {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const stages = text.split(/^FROM /m).slice(1);
  const body = stages.find((s) => new RegExp(`^\\S+ AS ${stage}\\s*$`).test(s.split('\n')[0]!));
  assert.ok(body, `no stage ${stage}`);
  return [...body.matchAll(/^COPY (?:--from=(\S+) )?(.+)$/gm)].flatMap((m) => {
    const words = m[2]!.trim().split(/\s+/);
    const dest = words.pop()!;
    assert.ok(words.length > 0 && !words.some((w) => w.startsWith('--')), `COPY ${m[2]}: replayable`);
    return words.map((src) => ({ ...(m[1] ? { from: m[1] } : {}), src, dest }));
  });
}

/** Hard links where the filesystem allows (fast, no extra space), a plain copy otherwise. */
function linkTree(from: string, to: string) {
  mkdirSync(path.dirname(to), { recursive: true });
  try {
    execFileSync('cp', ['-al', from, to]);
  } catch {
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  }
}

/** Copies from the build context as .dockerignore would: never a node_modules folder. */
function copyContext(src: string, dest: string) {
  cpSync(path.join(ROOT, src), dest, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (f) => !f.split(path.sep).includes('node_modules') && !f.split(path.sep).includes('.data'),
  });
}

describe('the runtime image, replayed in a temp folder', { timeout: 240_000 }, () => {
  let work: string;
  const app = () => path.join(work, 'app');
  const children: ChildProcess[] = [];

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'cityassist-image-'));
    // deps: the package files the stage copies, and `npm ci`'s result (this checkout's own tree).
    const deps = path.join(work, 'prod-deps');
    for (const { src, dest } of copies('deps')) {
      const target = dest.endsWith('/') ? path.join(deps, dest, path.basename(src)) : path.join(deps, dest);
      mkdirSync(path.dirname(target), { recursive: true });
      cpSync(path.join(ROOT, src), target);
    }
    linkTree(path.join(ROOT, 'node_modules'), path.join(deps, 'node_modules'));
    rmSync(path.join(deps, 'node_modules/.cache'), { recursive: true, force: true });
    for (const ws of [
      'gateway',
      'packages/inference',
      'dashboard',
      'subgraphs/reports',
      'subgraphs/predictions',
    ]) {
      const nested = path.join(ROOT, ws, 'node_modules');
      if (existsSync(nested)) linkTree(nested, path.join(deps, ws, 'node_modules'));
    }
    // prod-deps: exactly the stage's script.
    for (const { src, dest } of copies('prod-deps')) {
      cpSync(path.join(ROOT, src), path.join(deps, dest, path.basename(src)));
    }
    execFileSync('sh', ['scripts/runtime-deps.sh'], {
      cwd: deps,
      stdio: 'pipe',
      env: { ...process.env, PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
    });
    // runtime: the stage's COPY lines, in order.
    mkdirSync(app());
    for (const { from, src, dest } of copies('runtime')) {
      const target = path.join(app(), dest);
      if (from === 'prod-deps') cpSync(deps, target, { recursive: true, verbatimSymlinks: true });
      else if (from === 'build') {
        cpSync(path.join(ROOT, src.replace(/^\/app\//, '')), target, { recursive: true });
      } else if (from) assert.fail(`COPY --from=${from} is not replayed by this test`);
      else copyContext(src, target);
    }
  });

  after(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map((c) => (c.exitCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)))),
    );
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds production dependencies only, plus tsx', () => {
    const has = (p: string) => existsSync(path.join(app(), 'node_modules', p));
    for (const p of [
      'tsx',
      'esbuild',
      'onnxruntime-node',
      'sharp',
      '@aws-sdk/client-s3',
      '@electric-sql/pglite',
      'pg',
    ]) {
      assert.ok(has(p), `${p} is there`);
    }
    for (const p of [
      'typescript',
      'eslint',
      'prettier',
      'vite',
      's3rver',
      'kubernetes-models',
      '@aws-cdk/lambda-layer-kubectl-v33',
    ]) {
      assert.ok(!has(p), `${p} (a devDependency) is not`);
    }
    assert.ok(existsSync(path.join(app(), 'dashboard/dist/index.html')), 'the built dashboard');
    assert.ok(existsSync(path.join(app(), 'models/flood/1.0.0/model.onnx')), 'the baked-in models');
    assert.ok(!existsSync(path.join(app(), '.data')), 'no local state');
  });

  it('starts all four services from it with NODE_ENV=production, and every /ready answers 200', async () => {
    const ports = {
      zones: await freePort(),
      reports: await freePort(),
      predictions: await freePort(),
      gateway: await freePort(),
    };
    const base = {
      PATH: process.env.PATH,
      HOME: work,
      TMPDIR: path.join(work, 'tmp'),
      NODE_ENV: 'production',
      GATEWAY_SECRET: randomBytes(32).toString('base64url'),
      DATA_DIR: 'memory://',
      LOG_LEVEL: 'warn',
      FLOOD_RESCORE_SECONDS: '0',
      ZONES_PORT: String(ports.zones),
      REPORTS_PORT: String(ports.reports),
      PREDICTIONS_PORT: String(ports.predictions),
      GATEWAY_PORT: String(ports.gateway),
      ZONES_URL: `http://127.0.0.1:${ports.zones}/graphql`,
      REPORTS_URL: `http://127.0.0.1:${ports.reports}/graphql`,
      PREDICTIONS_URL: `http://127.0.0.1:${ports.predictions}/graphql`,
    };
    mkdirSync(base.TMPDIR);
    const output: Record<string, string> = {};
    for (const [name, entry] of Object.entries(SERVICES)) {
      // As the image's ENTRYPOINT runs it: node --import tsx <entry>, from /app.
      const child = spawn(NODE, ['--import', 'tsx', entry], {
        cwd: app(),
        env: base,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      output[name] = '';
      child.stdout.on('data', (d: Buffer) => (output[name] += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output[name] += d.toString()));
      children.push(child);
    }
    const deadline = Date.now() + 180_000;
    for (const [name, port] of Object.entries(ports)) {
      for (;;) {
        const child = children[Object.keys(SERVICES).indexOf(name)]!;
        assert.equal(child.exitCode, null, `${name} exited:\n${output[name]}`);
        const status = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2000) })
          .then(async (r) => {
            await r.body?.cancel();
            return r.status;
          })
          .catch(() => 0);
        if (status === 200) break;
        assert.ok(Date.now() < deadline, `${name} not ready in time:\n${output[name]}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    // The subgraphs refuse callers without the gateway's secret, as in production.
    const direct = await fetch(`http://127.0.0.1:${ports.zones}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    assert.ok(direct.status >= 400, `zones answered ${direct.status} without the secret`);
    await direct.body?.cancel();
  });
});
