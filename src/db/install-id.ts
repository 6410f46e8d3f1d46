// One random id per database, generated on first use and kept forever: with the outbox row id it makes idempotency
// keys unique across installs (a fresh database restarts row ids at 1; Feishu would drop a "resend" of
// `outbox-1` from another install for an hour). Kept in platform_tokens under a reserved key, so no migration.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { platformTokens } from './schema/index.js';

const KEY = 'chatcrm:install-id';
const FOREVER = new Date('9999-12-31T00:00:00Z');
const cache = new WeakMap<object, Promise<string>>();

async function load(db: Db): Promise<string> {
  // Several servers may start at once: the first insert wins and everybody reads the winner.
  await db.insert(platformTokens).values({ key: KEY, token: randomBytes(8).toString('hex'), expiresAt: FOREVER }).onConflictDoNothing();
  const [row] = await db.select({ token: platformTokens.token }).from(platformTokens).where(eq(platformTokens.key, KEY)).limit(1);
  if (!row) throw new Error('install id missing after insert');
  return row.token;
}

export function installId(db: Db): Promise<string> {
  let p = cache.get(db);
  if (!p) {
    p = load(db);
    p.catch(() => cache.delete(db));
    cache.set(db, p);
  }
  return p;
}

/** The key an adapter gets for one outbox row: stable across its retries, unique across rows and installs (≤ 50 chars, Feishu's uuid limit). */
export const outboxIdempotencyKey = async (db: Db, rowId: number | string) => `${await installId(db)}-${rowId}`;
