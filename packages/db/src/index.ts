export {
  openDatabase,
  usePgliteTemplate,
  type Database,
  type DatabaseOptions,
  type Queryable,
} from './database.ts';
export { migrate, type MigrateOptions } from './migrate.ts';
export { createTestDatabase, onEachDatabase, TEST_POSTGRES_URL, type TestDatabase } from './testing.ts';
export { DatabaseUnavailableError, isDatabaseUnavailable, classifyDatabaseError } from './unavailable.ts';
export {
  startOwnPostgres,
  postgresBinDir,
  type OwnPostgres,
  type OwnPostgresOptions,
} from './own-postgres.ts';
