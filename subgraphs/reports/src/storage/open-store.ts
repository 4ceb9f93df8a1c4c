import type { ReportsConfig } from '../config.ts';
import { FolderObjectStore } from './folder-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3-store.ts';

/** The store the settings name: the S3 bucket when S3_BUCKET is set, the folder otherwise. */
export async function openObjectStore(storage: ReportsConfig['storage']): Promise<ObjectStore> {
  if (storage.kind === 'folder') return FolderObjectStore.open(storage.dir);
  const store = new S3ObjectStore(storage);
  try {
    await store.ping();
  } catch (err) {
    await store.close();
    throw new Error(`S3 bucket ${storage.bucket} is not reachable`, { cause: err });
  }
  return store;
}
