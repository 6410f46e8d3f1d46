// Raw SQL results differ by driver (PGlite: { rows }, postgres.js: an array); this returns the rows either way.
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from './client.js';

export async function queryRows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** A timestamp parameter for raw SQL: postgres.js cannot serialise a Date inside drizzle's `sql` template. */
export const at = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;
