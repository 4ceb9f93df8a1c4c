import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertKey, type ObjectStore, type StoredObject } from './object-store.ts';

const TMP = '.tmp';

/**
 * Objects as files under one folder (`<dir>/photos/<id>.jpg`). A write goes to a temporary file
 * first and is renamed into place, so a crash never leaves a half-written image under its key.
 */
export class FolderObjectStore implements ObjectStore {
  readonly kind = 'folder';

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<FolderObjectStore> {
    // Temporary files are only ever mid-write; any left at start belong to a crashed process.
    await rm(path.join(dir, TMP), { recursive: true, force: true });
    await mkdir(path.join(dir, TMP), { recursive: true });
    return new FolderObjectStore(dir);
  }

  private file(key: string): string {
    assertKey(key);
    return path.join(this.dir, key);
  }

  async put(key: string, bytes: Buffer, _contentType: string): Promise<void> {
    const target = this.file(key);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = path.join(this.dir, TMP, `${randomBytes(8).toString('hex')}`);
    await writeFile(tmp, bytes);
    await rename(tmp, target);
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.file(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const folder = prefix.split('/')[0]!;
    let names: string[];
    try {
      names = await readdir(path.join(this.dir, folder));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names.sort()) {
      const key = `${folder}/${name}`;
      if (!key.startsWith(prefix)) continue;
      const info = await stat(path.join(this.dir, key)).catch(() => undefined);
      if (info?.isFile()) yield { key, lastModified: info.mtime };
    }
  }

  async ping(): Promise<void> {
    await stat(path.join(this.dir, TMP));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
