// Statements with parameters are prepared once per connection and then only bound and executed (src/db/client.ts):
// drizzle asks postgres.js not to prepare, which made every such statement two round trips and a fresh parse and
// plan in PostgreSQL. Checked on the session's own pg_prepared_statements, inside and outside transactions.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { queryRows } from '../../src/db/rows.js';
import { tenants, userIdentities, users } from '../../src/db/schema/index.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

let t: TestDb;
let one: Database; // one connection, so every statement below runs in the session we inspect

beforeAll(async () => {
  t = await createTestDb();
  one = await openDatabase({ databaseUrl: t.url!, max: 1 });
  await migrateDatabase(one);
});
afterAll(async () => {
  await one.close();
  await t.close();
});

const prepared = async () => (await queryRows<{ statement: string }>(one.db, sql`select statement from pg_prepared_statements`)).map((r) => r.statement);

describe('prepared statements (postgres)', () => {
  it('prepares a drizzle query once and reuses it, in and out of transactions, with results unchanged', async () => {
    const [tenant] = await one.db.insert(tenants).values({ name: '华东五金', timeZone: 'Asia/Shanghai' }).returning();
    const [user] = await one.db.insert(users).values({ tenantId: tenant!.id, name: '王工', role: 'rep' }).returning();
    await one.db.insert(userIdentities).values({ tenantId: tenant!.id, userId: user!.id, platform: 'wecom', platformUserId: 'wang' });
    const find = (db: Database['db']) =>
      db
        .select({ u: users })
        .from(userIdentities)
        .innerJoin(users, eq(users.id, userIdentities.userId))
        .where(and(eq(userIdentities.tenantId, tenant!.id), eq(userIdentities.platform, 'wecom'), eq(userIdentities.platformUserId, 'wang')))
        .limit(1);
    const outside = await find(one.db);
    const inside = await one.db.transaction(async (tx) => {
      const a = await find(tx);
      const b = await tx.transaction(async (sp) => find(sp)); // a savepoint's client too
      return [a, b];
    });
    for (const rows of [outside, ...inside]) {
      expect(rows).toHaveLength(1);
      expect(rows[0]!.u).toMatchObject({ id: user!.id, name: '王工', role: 'rep', active: true });
      expect(rows[0]!.u.createdAt).toBeInstanceOf(Date);
    }
    const texts = await prepared();
    const lookups = texts.filter((s) => s.includes('from "user_identities" inner join "users"'));
    expect(lookups).toHaveLength(1); // the same text three times: prepared once, reused twice
    expect(texts.some((s) => s.startsWith('insert into "tenants"'))).toBe(true);
  });

  it('keeps statements without parameters on the simple protocol (not prepared)', async () => {
    await queryRows(one.db, sql`select 42 as answer`);
    expect((await prepared()).some((s) => s.includes('select 42'))).toBe(false);
  });
});
