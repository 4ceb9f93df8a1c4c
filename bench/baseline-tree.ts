/**
 * A git ref of this repository unpacked beside the working tree, to run as the "before" of a
 * benchmark in the same run as the "after" (the machines are shared and noisy: figures from two
 * runs do not compare). `git archive` writes the files, nothing in .git changes; node_modules is a
 * folder of links to this checkout's packages, except the workspace links, which point into the
 * unpacked tree, so its own code runs. Generated files that are not committed are copied.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../scripts/stack.ts';

export interface BaselineTree {
  root: string;
  commit: string;
  remove(): Promise<void>;
}

export async function unpackBaseline(ref: string): Promise<BaselineTree> {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  const root = path.join(tmpdir(), `cityassist-baseline-${commit.slice(0, 12)}`);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const archive = execFileSync('git', ['archive', '--format=tar', commit], { cwd: ROOT, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', root], { input: archive });

  const modules = path.join(root, 'node_modules');
  await mkdir(modules);
  for (const entry of await readdir(path.join(ROOT, 'node_modules'))) {
    if (entry === '@cityassist') continue;
    await symlink(path.join(ROOT, 'node_modules', entry), path.join(modules, entry));
  }
  // Workspace links are relative (../../packages/x): copied as they are, they point into the tree.
  await mkdir(path.join(modules, '@cityassist'));
  for (const pkg of await readdir(path.join(ROOT, 'node_modules/@cityassist'))) {
    const target = await readlink(path.join(ROOT, 'node_modules/@cityassist', pkg));
    await symlink(target, path.join(modules, '@cityassist', pkg));
  }
  // Workspaces whose node_modules npm kept apart from the hoisted one (a version of their own).
  const workspaces = [
    'gateway',
    'etl',
    'dashboard',
    ...(await readdir(path.join(ROOT, 'packages'))).map((p) => `packages/${p}`),
    ...(await readdir(path.join(ROOT, 'subgraphs'))).map((p) => `subgraphs/${p}`),
  ];
  for (const ws of workspaces) {
    const own = path.join(ROOT, ws, 'node_modules');
    if (existsSync(own) && existsSync(path.join(root, ws))) {
      await symlink(own, path.join(root, ws, 'node_modules'));
    }
  }
  // Built at install, not committed: the dashboard's bundle.
  if (existsSync(path.join(ROOT, 'dashboard/dist'))) {
    await cp(path.join(ROOT, 'dashboard/dist'), path.join(root, 'dashboard/dist'), { recursive: true });
  }
  return { root, commit, remove: () => rm(root, { recursive: true, force: true }) };
}
