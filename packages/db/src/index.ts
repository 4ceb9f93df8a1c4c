export { openDatabase, type Database, type DatabaseOptions, type Queryable } from './database.ts';
export { migrate, type MigrateOptions } from './migrate.ts';
export { createTestDatabase, TEST_POSTGRES_URL } from './testing.ts';
