import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where a dataset version's Parquet files are written before they are committed. DuckDB writes
 * into `dir`; `commit` moves them to their final, immutable place and returns its URI; `discard`
 * removes whatever the version wrote, committed or not (a load whose catalog transaction failed).
 * Until the catalog row that names the URI is committed, readers never see them.
 */
export interface StagedVersion {
  dir: string;
  commit(): Promise<string>;
  discard(): Promise<void>;
}

export interface OfflineStore {
  /** Shown in lineage and docs: a folder path or an s3:// prefix. */
  readonly root: string;
  stage(view: string, version: string): Promise<StagedVersion>;
  /** The local Parquet files of a committed version (fetched first when remote). */
  files(offlineUri: string): Promise<string[]>;
  /** Removes versions no catalog row names (`known`: the committed URIs) older than the grace period. */
  sweep(known: ReadonlySet<string>, olderThanMs?: number): Promise<string[]>;
  close?(): void;
}

/**
 * The offline store on a local folder: `<root>/<view>/version=<v>/date=YYYY-MM-DD/*.parquet`.
 * A rename within one file system is atomic, so a version's folder is either complete or absent;
 * a crash between the rename and the catalog commit leaves a folder no catalog row names, which
 * readers never list and `sweep` removes.
 */
export class FolderOfflineStore implements OfflineStore {
  constructor(readonly root: string) {}

  async stage(view: string, version: string): Promise<StagedVersion> {
    const staging = path.join(this.root, '.staging', `${view}-${version}-${randomBytes(4).toString('hex')}`);
    await mkdir(staging, { recursive: true });
    const final = this.folderOf(view, version);
    let committed = false;
    return {
      dir: staging,
      commit: async () => {
        await mkdir(path.dirname(final), { recursive: true });
        await rename(staging, final);
        committed = true;
        return final;
      },
      discard: async () => {
        await rm(staging, { recursive: true, force: true });
        if (committed) await rm(final, { recursive: true, force: true });
      },
    };
  }

  folderOf(view: string, version: string): string {
    return path.join(this.root, view, `version=${version}`);
  }

  async files(offlineUri: string): Promise<string[]> {
    return parquetFilesUnder(offlineUri);
  }

  /**
   * Removes what interrupted loads left: staging folders older than `olderThanMs`, and version
   * folders no catalog row names (`known` returns the committed URIs).
   */
  async sweep(known: ReadonlySet<string>, olderThanMs = 3_600_000): Promise<string[]> {
    const removed: string[] = [];
    const staging = path.join(this.root, '.staging');
    for (const name of await readdir(staging).catch(() => [])) {
      const dir = path.join(staging, name);
      if (Date.now() - (await stat(dir)).mtimeMs > olderThanMs) {
        await rm(dir, { recursive: true, force: true });
        removed.push(dir);
      }
    }
    for (const view of await readdir(this.root).catch(() => [])) {
      if (view.startsWith('.')) continue;
      for (const name of await readdir(path.join(this.root, view)).catch(() => [])) {
        const dir = path.join(this.root, view, name);
        // A version renamed into place whose catalog transaction is still running (on another
        // worker sharing the folder) is unknown too: only one older than the grace is a crash's.
        if (
          name.startsWith('version=') &&
          !known.has(dir) &&
          Date.now() - (await stat(dir)).mtimeMs > olderThanMs
        ) {
          await rm(dir, { recursive: true, force: true });
          removed.push(dir);
        }
      }
    }
    return removed;
  }
}

export async function parquetFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.parquet')) out.push(path.join(entry.parentPath, entry.name));
  }
  return out.sort();
}
