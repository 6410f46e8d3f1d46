import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { customers, inboundEvents, tenants, users } from '../../src/db/schema/index.js';
import { testDriver, useTestDb } from '../helpers/db.js';

describe(`schema and migrations (${testDriver()})`, () => {
  const t = useTestDb();

  it('applies every table of the domain', async () => {
    const rows = await queryRows<{ table_name: string }>(
      t().db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    const names = rows.map((r) => r.table_name);
    for (const table of ['tenants', 'users', 'user_identities', 'teams', 'team_chats', 'customers', 'contacts', 'deals',
      'stage_history', 'follow_ups', 'quotes', 'approval_requests', 'approval_steps', 'sent_cards', 'nudges', 'outbox',
      'inbound_events', 'audit_log', 'platform_tokens', 'scheduler_runs']) {
      expect(names).toContain(table);
    }
  });

  it('holds the per-tenant phone key on customers, and lets name keys repeat', async () => {
    const { db } = t();
    const [tenant] = await db.insert(tenants).values({ name: 'T' }).returning();
    const [other] = await db.insert(tenants).values({ name: 'U' }).returning();
    const [owner] = await db.insert(users).values({ tenantId: tenant!.id, name: 'rep' }).returning();
    const [owner2] = await db.insert(users).values({ tenantId: other!.id, name: 'rep2' }).returning();
    const base = { tenantId: tenant!.id, ownerId: owner!.id };
    await db.insert(customers).values({ ...base, shortNo: 1, name: '华东五金', normalisedName: '华东五金', phoneNormalised: '13800138000' });
    // The name key is not unique in SQL: keys recomputed by a newer normaliseCompanyName may collide (legacy
    // duplicates, then merged with /合并); createCustomer serialises creates per key with an advisory lock.
    await db.insert(customers).values({ ...base, shortNo: 2, name: '上海华东五金有限公司', normalisedName: '华东五金' });
    await expect(
      db.insert(customers).values({ ...base, shortNo: 3, name: '别的公司', normalisedName: '别的', phoneNormalised: '13800138000' }),
    ).rejects.toThrow();
    // Customers without a phone do not collide with each other.
    await db.insert(customers).values({ ...base, shortNo: 4, name: 'A', normalisedName: 'aa' });
    await db.insert(customers).values({ ...base, shortNo: 5, name: 'B', normalisedName: 'bb' });
    // Another tenant may have the same company.
    await db.insert(customers).values({ tenantId: other!.id, ownerId: owner2!.id, shortNo: 1, name: '华东五金', normalisedName: '华东五金', phoneNormalised: '13800138000' });
    const count = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from customers`);
    expect(Number(count[0]!.n)).toBe(5);
  });

  it('keeps inbound event keys unique per platform', async () => {
    const { db } = t();
    await db.insert(inboundEvents).values({ platform: 'wecom', eventKey: 'm1' });
    await db.insert(inboundEvents).values({ platform: 'feishu', eventKey: 'm1' });
    const again = await db.insert(inboundEvents).values({ platform: 'wecom', eventKey: 'm1' }).onConflictDoNothing().returning();
    expect(again).toHaveLength(0);
  });
});
