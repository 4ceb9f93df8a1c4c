import type { Database } from '@cityassist/db';
import { Catalog, FolderOfflineStore, S3OfflineStore, type OfflineStore } from '@cityassist/feature-store';
import type { EtlConfig } from './config.ts';

/**
 * The one place the offline store is built from the settings: a local folder, or the S3 prefix of
 * FEATURE_STORE_URI with the S3_* connection settings (its staging and verified read copies under
 * FEATURE_STORE_DIR). The service, the worker and the CLI all call this.
 */
export function openOfflineStore(config: Pick<EtlConfig, 'offline' | 'offlineDir' | 's3'>): OfflineStore {
  if (config.offline.kind === 'folder') return new FolderOfflineStore(config.offline.dir);
  const { s3 } = config;
  return new S3OfflineStore({
    uri: config.offline.uri,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials:
      s3.accessKeyId && s3.secretAccessKey
        ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
        : undefined,
    forcePathStyle: s3.forcePathStyle,
    cacheDir: config.offlineDir,
  });
}

/**
 * Removes what interrupted loads left in the offline store: versions no catalog row names, older
 * than `graceMs` (a younger one may be a load in flight on another worker). The same grace
 * covers a load that commits while the sweep runs: a load takes seconds to minutes, the grace an hour.
 */
export async function sweepOfflineStore(
  db: Database,
  store: OfflineStore,
  graceMs = 3_600_000,
): Promise<string[]> {
  return store.sweep(await new Catalog(db).offlineUris(), graceMs);
}
