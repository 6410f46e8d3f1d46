// Platform access tokens shared through the database, so several instances reuse one token instead of each
// fetching its own (and a refresh by one helps the others). Structurally the adapters' TokenStore.
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from './client.js';
import { platformTokens } from './schema/index.js';

export function createDbTokenStore(db: DbOrTx) {
  return {
    async get(key: string): Promise<{ token: string; expiresAt: Date } | undefined> {
      const [row] = await db.select().from(platformTokens).where(eq(platformTokens.key, key)).limit(1);
      return row ? { token: row.token, expiresAt: row.expiresAt } : undefined;
    },
    async put(key: string, token: string, expiresAt: Date): Promise<void> {
      await db
        .insert(platformTokens)
        .values({ key, token, expiresAt, updatedAt: new Date() })
        .onConflictDoUpdate({
          target: platformTokens.key,
          set: { token: sql`excluded.token`, expiresAt: sql`excluded.expires_at`, updatedAt: sql`excluded.updated_at` },
        });
    },
  };
}
