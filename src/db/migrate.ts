// Applies the drizzle-kit migrations in drizzle/ (at start-up and via `npm run db:migrate`), then the data
// backfills SQL cannot express (recomputed customer dedup keys).
import { dirname } from 'node:path';
import { findUpwards } from '../config/project-files.js';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { backfillNameKeys } from './backfill.js';
import type { Database } from './client.js';

/**
 * The project's drizzle/ folder, found upwards from this module: src/db/ when run from source, or the bundle that
 * `npm start` runs (node_modules/.cache/chatcrm/, see package.json `prestart`).
 */
export const MIGRATIONS_FOLDER = dirname(dirname(findUpwards(import.meta.url, 'drizzle/meta/_journal.json', '数据库迁移目录 drizzle/')));


export async function migrateDatabase(database: Database): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS_FOLDER };
  if (database.driver === 'pglite') await migratePglite(database.db as unknown as PgliteDatabase, config);
  else await migratePostgres(database.db as unknown as PostgresJsDatabase, config);
  await backfillNameKeys(database.db);
}
