import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './database.ts';

export interface MigrateOptions {
  /** Folder of `NNN-name.sql` files, applied in name order. */
  dir: string;
  /** Postgres schema that owns the service's tables and its migration ledger. */
  schema: string;
}

/**
 * Applies the service's SQL migrations that have not run yet, each in its own transaction, and
 * records them in `<schema>.schema_migrations`. Safe to run on every start and from several
 * replicas at once: on Postgres an advisory lock serialises them (PGlite has one process anyway).
 * A migration file that changed after it was applied stops the start: history is not rewritten.
 */
export async function migrate(db: Database, { dir, schema }: MigrateOptions): Promise<string[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    if (db.kind === 'postgres') {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`migrate:${schema}`]);
    }
    await tx.exec(`
      create schema if not exists ${schema};
      create table if not exists ${schema}.schema_migrations (
        id text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      );`);
    const done = new Map(
      (
        await tx.query<{ id: string; checksum: string }>(
          `select id, checksum from ${schema}.schema_migrations`,
        )
      ).map((r) => [r.id, r.checksum]),
    );
    for (const file of files) {
      const sql = await readFile(path.join(dir, file), 'utf8');
      const checksum = await sha256(sql);
      const previous = done.get(file);
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new Error(`migration ${schema}/${file} changed after it was applied`);
        }
        continue;
      }
      await tx.exec(sql);
      await tx.query(`insert into ${schema}.schema_migrations (id, checksum) values ($1, $2)`, [
        file,
        checksum,
      ]);
      applied.push(file);
    }
  });
  return applied;
}

async function sha256(text: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}
