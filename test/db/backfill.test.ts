import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/db/migrate.js';
import { customers, tenants, users } from '../../src/db/schema/index.js';
import { NAME_KEY_VERSION } from '../../src/domain/names.js';
import { createCustomer } from '../../src/services/customers.js';
import { testDriver, useTestDb } from '../helpers/db.js';

describe(`stored dedup keys are recomputed when the key function changes (${testDriver()})`, () => {
  const t = useTestDb();

  it('rewrites old-version keys at start-up, even where two old rows now share a key', async () => {
    const db = t().db;
    const [tenant] = await db.insert(tenants).values({ name: '老数据工厂' }).returning();
    const [u] = await db.insert(users).values({ tenantId: tenant!.id, name: '老销售' }).returning();
    // Keys as the previous normaliseCompanyName stored them (version 0, no grams).
    await db.insert(customers).values([
      { tenantId: tenant!.id, shortNo: 1, name: '华东五金', normalisedName: '华东五金', ownerId: u!.id },
      { tenantId: tenant!.id, shortNo: 2, name: '华东五金(浙江)有限公司', normalisedName: '华东五金浙江', ownerId: u!.id },
      { tenantId: tenant!.id, shortNo: 3, name: '东莞五金厂', normalisedName: '五金厂', ownerId: u!.id },
    ]);
    await migrateDatabase(t().database);
    const rows = await db.select().from(customers).where(eq(customers.tenantId, tenant!.id)).orderBy(customers.shortNo);
    expect(rows.map((r) => [r.normalisedName, r.nameGrams, r.nameKeyVersion])).toEqual([
      ['华东五金', ['华东', '东五', '五金'], NAME_KEY_VERSION],
      ['华东五金', ['华东', '东五', '五金'], NAME_KEY_VERSION],
      ['东莞五金', ['东莞', '莞五', '五金'], NAME_KEY_VERSION],
    ]);
    const ctx = { db, actor: { tenantId: tenant!.id, userId: u!.id, name: '老销售', role: 'rep' as const }, now: new Date(), timeZone: 'Asia/Shanghai' };
    const again = await createCustomer(ctx, { name: '宁波市华东五金' });
    expect(again).toMatchObject({ created: false, matchedBy: 'name', customer: { shortNo: 1 } });
  });
});
