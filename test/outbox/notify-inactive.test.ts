import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { notifyUser } from '../../src/outbox/enqueue.js';
import { ensureDefaultTenant } from '../../src/services/tenants.js';
import { testDriver, useTestDb } from '../helpers/db.js';

describe(`notifications to someone who left (${testDriver()})`, () => {
  const t = useTestDb();
  it("go to the leaver's manager instead, and to nobody when there is no active manager", async () => {
    const db = t().db;
    const tenant = await ensureDefaultTenant(db, { name: '测试厂', timeZone: 'Asia/Shanghai' });
    const ids = { boss: '00000000-0000-4000-8000-0000000000b0', leaver: '00000000-0000-4000-8000-0000000000c0', orphan: '00000000-0000-4000-8000-0000000000d0' };
    await db.execute(sql`insert into users (id, tenant_id, name) values (${ids.boss}, ${tenant.id}, '李经理')`);
    await db.execute(sql`insert into users (id, tenant_id, name, active, manager_id) values (${ids.leaver}, ${tenant.id}, '张三', false, ${ids.boss})`);
    await db.execute(sql`insert into users (id, tenant_id, name, active) values (${ids.orphan}, ${tenant.id}, '无上级', false)`);
    await db.execute(sql`insert into user_identities (tenant_id, user_id, platform, platform_user_id) values
      (${tenant.id}, ${ids.boss}, 'console', 'boss'), (${tenant.id}, ${ids.leaver}, 'console', 'leaver'), (${tenant.id}, ${ids.orphan}, 'console', 'orphan')`);

    expect(await notifyUser(db, tenant.id, ids.leaver, { type: 'text', text: '⏰ D-3 已 48 小时没有跟进' })).toBe(1);
    expect(await notifyUser(db, tenant.id, ids.orphan, { type: 'text', text: '提醒' })).toBe(0);
    const rows = await queryRows<{ to: string; text: string }>(db, sql`select target->>'id' as to, payload->'message'->>'text' as text from outbox`);
    expect(rows).toEqual([{ to: 'boss', text: '【张三 已停用，转给你】⏰ D-3 已 48 小时没有跟进' }]);
  });
});
