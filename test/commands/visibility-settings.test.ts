import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tenants, users } from '../../src/db/schema/index.js';
import { readSettings } from '../../src/domain/settings.js';
import { createChat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

describe(`visibility by reporting line, and personal/admin settings (${testDriver()})`, () => {
  const t = useTestDb();

  it('lets a manager see and act on their reports\' deals (transitively), but not a peer\'s', async () => {
    const chat = createChat(t());
    await chat.say('总管', '/帮助', { role: 'admin' });
    await chat.say('大区经理', '/帮助', { role: 'manager' });
    await chat.say('小组长', '/帮助', { role: 'manager' });
    await chat.say('业务甲', '/帮助');
    await chat.say('业务乙', '/帮助');
    await chat.say('总管', '/设置 上级 小组长 大区经理');
    await chat.say('总管', '/设置 上级 业务甲 小组长');
    await chat.say('业务甲', '/新客户 可见性机械 13911112222');
    const d = /D-\d+/.exec((await chat.say('业务甲', '/新商机 可见性机械 机床 10万')).text)![0];
    expect((await chat.say('大区经理', `/查看 ${d}`)).text).toContain('可见性机械');
    expect((await chat.say('小组长', `/跟进 ${d} 陪同拜访`)).text).toContain('已记录拜访跟进');
    expect((await chat.say('业务乙', `/查看 ${d}`)).text).toContain('没有找到');
    expect((await chat.say('大区经理', '/漏斗')).text).toContain('¥100,000.00');
    expect((await chat.say('业务乙', '/漏斗')).text).toContain('合计：0 个');
    // A manager cannot be made a report of their own report.
    expect((await chat.say('总管', '/设置 上级 大区经理 业务甲')).text).toContain('循环');
  });

  it('switches the morning digest per person and nudge rules for admins only', async () => {
    const chat = createChat(t());
    expect((await chat.say('早报用户', '/设置 早报 关')).text).toContain('已关闭每日早报');
    const [u] = await t().db.select().from(users).where(eq(users.name, '早报用户'));
    expect(u!.morningDigest).toBe(false);
    expect((await chat.say('早报用户', '/设置 提醒 24')).text).toContain('只有管理员');
    const changed = await chat.say('规则管理员', '/设置 提醒 24 12', { role: 'admin' });
    expect(changed.text).toContain('24 小时没有跟进');
    const [tenant] = await t().db.select().from(tenants).where(eq(tenants.id, u!.tenantId));
    expect(readSettings(tenant!.settings).nudges).toMatchObject({ silenceHours: 24, escalateAfterHours: 12 });
  });
});
