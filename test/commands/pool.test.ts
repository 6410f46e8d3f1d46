import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, customers, users } from '../../src/db/schema/index.js';
import { updateSettings } from '../../src/services/settings.js';
import { toActor } from '../../src/services/users.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

// 2026-11-23 is a Monday; times are Asia/Shanghai (+08:00).
describe(`公海 lead pool: list, claim, assign (${testDriver()})`, () => {
  const t = useTestDb();
  let phone = 13600000000;

  const userNamed = async (name: string) => (await t().db.select().from(users).where(eq(users.name, name)))[0]!;
  const customerNo = (text: string) => /C-\d+/.exec(text)![0];
  const customerBy = async (no: string) =>
    (await t().db.select().from(customers).where(eq(customers.shortNo, Number(no.slice(2)))))[0]!;

  async function people(chat: Chat, p: string) {
    await chat.say(`${p}管理员`, '/帮助', { role: 'admin' });
    await chat.say(`${p}经理`, '/帮助', { role: 'manager' });
    await chat.say(`${p}甲`, '/帮助');
    await chat.say(`${p}乙`, '/帮助');
    await chat.say(`${p}外人`, '/帮助');
    await chat.say(`${p}管理员`, `/设置 上级 ${p}甲 ${p}经理`);
    await chat.say(`${p}管理员`, `/设置 上级 ${p}乙 ${p}经理`);
  }

  it('a lead without rules waits in the pool; everyone sees it; the first claim wins and is audited', async () => {
    const clock = createClock('2026-11-23T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    await people(chat, '池');
    const made = await chat.say('池甲', `/新线索 池州精工阀门 ${++phone} 浙江 阀门 来源:展会`);
    expect(made.text).toContain('放入公海：还没有设置分配规则');
    const id = customerNo(made.text);
    const row = await customerBy(id);
    expect(row.ownerId).toBeNull();
    expect(row.pooledAt?.toISOString()).toBe(clock.now().toISOString());

    clock.set('2026-11-26T10:00:00+08:00');
    const listed = await chat.say('池乙', '/公海');
    expect(listed.text).toContain(`${id} 池州精工阀门 · 浙江 · 阀门 · 来源 展会 · 在公海 3 天`);
    expect((await chat.say('池乙', '/公海 浙江')).text).toContain(id);
    expect((await chat.say('池乙', '/公海 广东')).text).toBe('公海里没有匹配「广东」的客户。看全部：/公海');
    expect((await chat.say('池乙', `/查看 ${id}`)).text).toContain('负责人 公海');

    // Nobody works a pool entry before taking it.
    expect((await chat.say('池乙', `/跟进 ${id} 打了电话`)).text).toContain('在公海里，还没有负责人。请先领取');
    expect((await chat.say('池乙', `/新商机 ${id} 球阀 2万`)).text).toContain('在公海里');

    const claimed = await chat.say('池乙', `/领取 ${id}`);
    expect(claimed.text).toContain(`已领取 ${id} 池州精工阀门，现在是你的客户。今天还可以领取 9 个。`);
    expect((await chat.say('池甲', `/领取 ${id}`)).text).toContain('没有找到客户'); // no longer in the pool, not theirs
    expect((await chat.say('池经理', `/领取 ${id}`)).text).toBe(`${id} 池州精工阀门 不在公海里（负责人 池乙）。`);
    expect((await chat.say('池乙', `/领取 ${id}`)).text).toBe(`${id} 池州精工阀门 已经在你名下，不用领取。`);
    expect((await chat.say('池乙', '/公海')).text).not.toContain(id);

    const after = await customerBy(id);
    const b = await userNamed('池乙');
    expect(after.ownerId).toBe(b.id);
    expect(after.pooledAt).toBeNull();
    expect(after.assignedAt?.toISOString()).toBe(clock.now().toISOString());
    const moves = await t().db.select().from(auditLog).where(and(eq(auditLog.entityId, row.id), eq(auditLog.action, 'customer.claim')));
    expect(moves).toHaveLength(1);
    expect(moves[0]!.before).toEqual({ ownerId: null });
    expect(moves[0]!.after).toEqual({ ownerId: b.id });
    expect((await chat.say('池乙', `/跟进 ${id} 打了电话，要样品`)).text).toContain('已记录');
  });

  it('claims stop at the daily and the open-lead limits, with the reason', async () => {
    const clock = createClock('2026-11-23T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    await people(chat, '限');
    const admin = await userNamed('限管理员');
    await updateSettings({ db: t().db, actor: toActor(admin), now: clock.now(), timeZone: 'Asia/Shanghai' }, { pool: { claimsPerDay: 2, maxOpenLeads: 3 } });
    const ids: string[] = [];
    for (const name of ['东川铸造', '西岭锻压', '南湖泵业', '北辰轴承', '中原液压']) {
      ids.push(customerNo((await chat.say('限甲', `/新线索 ${name} ${++phone}`)).text));
    }
    await chat.say('限乙', `/领取 ${ids[0]}`);
    expect((await chat.say('限乙', `/领取 ${ids[1]}`)).text).toContain('今天还可以领取 0 个');
    expect((await chat.say('限乙', `/领取 ${ids[2]}`)).text).toBe('你今天已经领取了 2 个客户（每人每天最多 2 个），明天再来领取，或请经理 /分配。');
    clock.set('2026-11-24T09:00:00+08:00');
    await chat.say('限乙', `/领取 ${ids[2]}`);
    expect((await chat.say('限乙', `/领取 ${ids[3]}`)).text).toBe('你名下已有 3 个未成交客户（每人最多 3 个），暂时不能再领取。请先跟进推进手上的客户。');
    expect((await customerBy(ids[3]!)).ownerId).toBeNull();
  });

  it('/分配: a manager within their line, an admin anyone; the new owner is told at once; reps may not', async () => {
    const clock = createClock('2026-11-23T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    await people(chat, '分');
    const id = customerNo((await chat.say('分经理', `/新线索 分宜重工机械 ${++phone} 江西 机械`)).text);
    expect((await chat.say('分甲', `/分配 ${id} 分乙`)).text).toContain('只有销售经理、销售总监或管理员可以分配客户');
    expect((await chat.say('分经理', `/分配 ${id} 分外人`)).text).toBe('分外人 不是你的下属，不能分配给他。请联系 分外人 的经理。');
    expect((await chat.say('分经理', `/分配 ${id} 分甲`)).text).toBe(`已把 ${id} 分宜重工机械 分配给 分甲，已通知对方。`);
    const told = (await chat.inbox('分甲')).map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : ''));
    expect(told).toEqual([expect.stringContaining(`🆕 新线索分配给你：${id} 分宜重工机械（地区 江西，行业 机械`)]);
    expect(told[0]).toContain('分配依据：分经理 分配');
    expect(told[0]).toContain('请在 30 个工作分钟内（11-23 10:30 前）联系');
    // A manager may move a customer within the line; an admin may give it to anyone.
    expect((await chat.say('分经理', `/分配 ${id} 分乙`)).text).toContain('分配给 分乙');
    expect((await chat.say('分管理员', `/分配 ${id} 分外人`)).text).toContain('分配给 分外人');
    expect((await chat.say('分经理', `/分配 ${id} 分甲`)).text).toContain('没有找到客户'); // out of the manager's sight now
    const c = await customerBy(id);
    expect(c.ownerId).toBe((await userNamed('分外人')).id);
    const actions = (await t().db.select().from(auditLog).where(eq(auditLog.entityId, c.id)).orderBy(auditLog.id)).map((a) => a.action);
    expect(actions).toEqual(['customer.create', 'customer.pool', 'customer.assign', 'customer.assign', 'customer.assign']);
  });
});
