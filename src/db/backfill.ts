// Recomputes stored customer dedup keys after the key function changes (NAME_KEY_VERSION): SQL migrations cannot
// run normaliseCompanyName, so migrateDatabase calls this right after them. Idempotent; touches only stale rows.
import { sql } from 'drizzle-orm';
import { NAME_KEY_VERSION, nameGrams, normaliseCompanyName } from '../domain/names.js';
import type { DbOrTx } from './client.js';
import { queryRows } from './rows.js';

const BATCH = 1000;

export async function backfillNameKeys(db: DbOrTx): Promise<number> {
  let done = 0;
  for (;;) {
    const rows = await queryRows<{ id: string; name: string }>(
      db,
      sql`select id, name from customers where name_key_version < ${NAME_KEY_VERSION} order by id limit ${BATCH}`,
    );
    if (rows.length === 0) return done;
    const keys = rows.map((r) => normaliseCompanyName(r.name));
    // Grams never contain spaces (the key has none), so one space-joined text per row survives the round trip.
    const grams = keys.map((k) => nameGrams(k).join(' '));
    await db.execute(sql`
      update customers c set normalised_name = v.k, name_grams = string_to_array(v.g, ' '), name_key_version = ${NAME_KEY_VERSION}
      from unnest(${arr(rows.map((r) => r.id))}::uuid[], ${arr(keys)}::text[], ${arr(grams)}::text[]) as v(id, k, g)
      where c.id = v.id`);
    done += rows.length;
  }
}

const arr = (xs: string[]) => sql`array[${sql.join(xs.map((x) => sql`${x}`), sql`, `)}]`;
