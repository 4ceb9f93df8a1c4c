/**
 * Builds the dashboard page into dashboard/dist (Vite), or with `--if-stale` only when its inputs
 * changed since the last build: the page's sources, its Vite config, the generated typed documents
 * (persisted-operation ids), the zones file the map is drawn from, and Vite's version. The root
 * `prepare` script (run by `npm ci` and `npm install`) and `prestart` (before `npm start`) call it
 * with `--if-stale`, so a fresh clone serves a built page and a pulled change is never served stale;
 * `npm run build:dashboard` always builds.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { zonesFile } from '../zones-plugin.ts';

const DASHBOARD = path.resolve(import.meta.dirname, '..');
const ROOT = path.resolve(DASHBOARD, '..');
export const DIST = path.join(DASHBOARD, 'dist');
const STAMP = path.join(DIST, '.build-hash');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => !f.endsWith('.test.ts'))
    .sort();
}

/** A hash of everything the build reads. */
export function inputsHash(): string {
  const inputs = [
    ...filesUnder(path.join(DASHBOARD, 'src')),
    ...['index.html', 'vite.config.ts', 'zones-plugin.ts', 'package.json'].map((f) =>
      path.join(DASHBOARD, f),
    ),
    path.join(ROOT, 'packages/client/src/generated/graphql.ts'),
    path.join(ROOT, 'node_modules/vite/package.json'),
    zonesFile(),
  ];
  const hash = createHash('sha256');
  for (const file of inputs) {
    hash.update(path.relative(ROOT, file)).update('\0');
    if (existsSync(file) && statSync(file).isFile()) hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

export function isStale(): boolean {
  return (
    !existsSync(path.join(DIST, 'index.html')) ||
    !existsSync(STAMP) ||
    readFileSync(STAMP, 'utf8') !== inputsHash()
  );
}

/** Builds when asked to, or when stale; returns whether it built. Throws when Vite fails. */
export function buildDashboard({ ifStale = false, quiet = false } = {}): boolean {
  if (ifStale && !isStale()) return false;
  const hash = inputsHash();
  const vite = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      path.join(DASHBOARD, 'vite.config.ts'),
    ],
    { cwd: DASHBOARD, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' },
  );
  if (vite.status !== 0) {
    throw new Error(
      `the dashboard build failed (vite exited ${vite.status})\n${vite.stdout ?? ''}${vite.stderr ?? ''}`,
    );
  }
  writeFileSync(STAMP, hash);
  return true;
}

if (import.meta.main) {
  const ifStale = process.argv.includes('--if-stale');
  try {
    if (!buildDashboard({ ifStale })) console.log('dashboard: dashboard/dist is up to date');
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
