import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Pipeline } from './pipeline.ts';
import type { RunSummary } from './runner.ts';

/**
 * A delivery younger than this (by its modification time) may still be being written: it waits for
 * the next scan. Writers that rename a finished file into place are picked up at once anyway.
 */
export const SETTLE_MS = 5_000;

/** The deliveries waiting in a pipeline's inbox folder, oldest first. */
export async function inboxFiles(inboxDir: string, pipeline: string, now = Date.now()): Promise<string[]> {
  const dir = path.join(inboxDir, pipeline);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: { file: string; mtime: number }[] = [];
  for (const e of entries) {
    if (!e.isFile() || e.name.startsWith('.')) continue;
    const file = path.join(dir, e.name);
    const { mtimeMs } = await stat(file);
    if (now - mtimeMs >= SETTLE_MS) files.push({ file, mtime: mtimeMs });
  }
  return files.sort((a, b) => a.mtime - b.mtime || a.file.localeCompare(b.file)).map((f) => f.file);
}

/**
 * Moves a delivery out of the inbox once its run ended: to `.done/` when it loaded (or had loaded
 * before), to `.failed/` otherwise, prefixed with the run id so the run and the file find each other.
 */
export async function settle(file: string, summary: RunSummary): Promise<string> {
  const ok = summary.status === 'succeeded' || summary.status === 'duplicate';
  const dir = path.join(path.dirname(file), ok ? '.done' : '.failed');
  await mkdir(dir, { recursive: true });
  const to = path.join(dir, `${summary.run_id}-${path.basename(file)}`);
  await rename(file, to);
  return to;
}

export interface InboxRun {
  pipeline: Pipeline;
  file: string;
}

/** Every waiting delivery of every pipeline, in the registry's order. */
export async function pendingRuns(inboxDir: string, pipelines: readonly Pipeline[]): Promise<InboxRun[]> {
  const out: InboxRun[] = [];
  for (const pipeline of pipelines) {
    for (const file of await inboxFiles(inboxDir, pipeline.name)) out.push({ pipeline, file });
  }
  return out;
}
