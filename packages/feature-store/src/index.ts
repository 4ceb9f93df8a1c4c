import path from 'node:path';
import { migrate, type Database } from '@cityassist/db';

export * from './views.ts';
export * from './catalog.ts';
export { OnlineStore, type OnlineRow, type OnlineLoadRow } from './online-store.ts';
export {
  FolderOfflineStore,
  parquetFilesUnder,
  type OfflineStore,
  type StagedVersion,
} from './offline-store.ts';
export {
  S3OfflineStore,
  OfflineStoreError,
  MANIFEST_NAME,
  parseS3Uri,
  type Manifest,
  type ManifestEntry,
  type OfflineStoreErrorCode,
  type S3OfflineStoreOptions,
} from './s3-offline-store.ts';
export {
  openDuck,
  sqlString,
  sqlIdent,
  queryRows,
  type DuckDBConnection,
  type DuckOptions,
} from './duckdb.ts';

/** Creates or updates the feature store's tables (idempotent; safe from several processes). */
export async function migrateFeatureStore(db: Database): Promise<string[]> {
  return migrate(db, { dir: path.join(import.meta.dirname, 'migrations'), schema: 'feature_store' });
}
export { exportTrainingSet, type ExportRequest, type ExportResult } from './pit-export.ts';
