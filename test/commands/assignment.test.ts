import { eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, customers, outbox, users } from '../../src/db/schema/index.js';
import { assignLeads, createLead, loadAssigner } from '../../src/services/assignment.js';
import { type Customer, createCustomer } from '../../src/services/customers.js';
import { systemCtx } from '../../src/services/audit.js';
import { ensureTeam } from '../../src/services/teams.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

// 2026-11-23 is a Monday; times are Asia/Shanghai (+08:00).
describe(`assignment rules for new leads (${testDriver()})`, () => {
  const t = useTestDb();
  let phone = 13500000000;

  const userNamed = async (name: string) => (await t().db.select().from(users).where(eq(users.name, name)))[0]!;
  const ownerOf = async (text: string) => {
    const no = Number(/C-(\d+)/.exec(text)![1]);
    const [c] = await t().db.select({ ownerId: customers.ownerId, tenantId: customers.tenantId }).from(customers).where(eq(customers.shortNo, no));
    if (!c?.ownerId) return null;
    return (await t().db.select().from(users).where(eq(users.id, c.ownerId)))[0]!.name;
  };

  async function setup(chat: Chat, p: string) {
    await chat.say(`${p}管理员`, '/帮助', { role: 'admin' });
    for (const n of ['东一', '东二', '东三', '泵王', '总一']) await chat.say(`${p}${n}`, '/帮助');
    const tenantId = (await userNamed(`${p}管理员`)).tenantId;
    const east = await ensureTeam(t().db, tenantId, `${p}华东部`);
    const hq = await ensureTeam(t().db, tenantId, `${p}总部`);
    await t().db.update(users).set({ teamId: east }).where(inArray(users.name, [`${p}东一`, `${p}东二`, `${p}东三`]));
    await t().db.update(users).set({ teamId: hq }).where(eq(users.name, `${p}总一`));
    await t().db.update(users).set({ active: false }).where(eq(users.name, `${p}东三`));
    // The tests of this file share one tenant: start from no rules and the default limit.
    await chat.say(`${p}管理员`, '/设置 分配 清空');
    await chat.say(`${p}管理员`, '/设置 分配 默认 无');
    await chat.say(`${p}管理员`, '/设置 公海 上限 200');
    return { tenantId, east, hq };
  }

  it('region → team in turns, keyword → rep, else the default team; the reply says which rule chose whom', async () => {
    const clock = createClock('2026-11-23T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    await setup(chat, '规');
    expect((await chat.say('规东一', '/设置 分配 地区 浙江 规华东部')).text).toContain('只有管理员可以修改设置');
    expect((await chat.say('规管理员', '/设置 分配 地区 浙江 没这个人')).text).toContain('没有找到团队或人员「没这个人」');
    expect((await chat.say('规管理员', '/设置 分配 地区 浙江 规华东部')).text).toContain('1. 地区「浙江」→ 规华东部（团队轮流）');
    await chat.say('规管理员', '/设置 分配 关键词 泵 规泵王');
    const shown = (await chat.say('规管理员', '/设置 分配 默认 规总部')).text;
    expect(shown).toContain('2. 关键词「泵」→ 规泵王');
    expect(shown).toContain('其他线索：在「规总部」团队内轮流分配');

    const first = await chat.say('规总一', `/新线索 宁波甬江阀门 ${++phone} 浙江`);
    expect(first.text).toContain('负责人：规东一。\n分配依据：按地区「浙江」→ 规华东部（团队轮流），团队内轮流分配给 规东一，已通知负责人。');
    // 规东三 is inactive: the turns alternate between the two active members.
    expect(await ownerOf((await chat.say('规总一', `/新线索 温州瓯海机械 ${++phone} 浙江省`)).text)).toBe('规东二');
    expect(await ownerOf((await chat.say('规总一', `/新线索 杭州钱塘五金 ${++phone} 浙江`)).text)).toBe('规东一');
    const pump = await chat.say('规东一', `/新线索 佛山顺水泵业 ${++phone} 广东`);
    expect(pump.text).toContain('分配依据：按关键词「泵」→ 规泵王');
    const other = await chat.say('规东一', `/新线索 沈阳北方铸造 ${++phone} 辽宁`);
    expect(other.text).toContain('分配依据：没有匹配的地区/关键词规则，按默认团队「规总部」轮流分配给 规总一');
    // The owner hears at once, with the rule.
    const told = (await chat.inbox('规泵王')).map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : ''));
    expect(told).toEqual([expect.stringContaining('🆕 新线索分配给你：')]);
    expect(told[0]).toContain('分配依据：按关键词「泵」→ 规泵王');
    const rules = await t().db.select().from(auditLog).where(eq(auditLog.action, 'customer.assign_rule'));
    expect(rules.filter((r) => (r.after as { rule: string }).rule.includes('规泵王'))).toHaveLength(1);

    // Without a default team an unmatched lead waits in the pool.
    await chat.say('规管理员', '/设置 分配 默认 无');
    expect((await chat.say('规东一', `/新线索 长春一汽配件 ${++phone} 吉林`)).text).toContain('放入公海：没有匹配的分配规则，也没有默认团队，留在公海');
    expect((await chat.say('规管理员', '/设置 分配 删除 5')).text).toContain('请写 1 到 2 之间的规则序号');
    expect((await chat.say('规管理员', '/设置 分配 删除 1')).text).toContain('1. 关键词「泵」→ 规泵王');
  });

  it('skips a rep over the open-lead limit and says so; a full team falls through to the next rule', async () => {
    const clock = createClock('2026-11-23T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    await setup(chat, '满');
    await chat.say('满管理员', '/设置 公海 上限 1');
    await chat.say('满管理员', '/设置 分配 关键词 泵 满泵王');
    await chat.say('满管理员', '/设置 分配 地区 浙江 满华东部');
    await chat.say('满管理员', '/设置 分配 默认 满总部');
    expect(await ownerOf((await chat.say('满总一', `/新线索 宁波泵阀 ${++phone} 浙江`)).text)).toBe('满泵王');
    const second = await chat.say('满总一', `/新线索 台州水泵 ${++phone} 浙江`);
    expect(second.text).toContain('按地区「浙江」→ 满华东部（团队轮流），团队内轮流分配给 满东一（关键词「泵」→ 满泵王：满泵王 已有 1 个未成交客户，跳过），已通知负责人。');
    await chat.say('满总一', `/新线索 嘉兴五金 ${++phone} 浙江`); // 满东二
    const full = await chat.say('满东一', `/新线索 湖州机械 ${++phone} 浙江`);
    expect(full.text).toContain('按默认团队「满总部」轮流分配给 满总一');
    expect(full.text).toContain('满东一、满东二 已达上限，跳过');
  });

  it('concurrent leads take distinct round-robin turns', async () => {
    const clock = createClock('2026-11-23T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    const { tenantId } = await setup(chat, '并');
    await chat.say('并管理员', '/设置 分配 默认 并华东部');
    const names = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸', '子', '丑', '寅', '卯', '辰', '巳'].map((x) => `并发${x}字号精密机械`);
    const results = await Promise.all(
      names.map((name) =>
        t().db.transaction((tx) => createLead(systemCtx(tx, tenantId, clock.now(), 'Asia/Shanghai'), { name, phone: String(++phone) }, { allowSimilar: true })),
      ),
    );
    const owners = results.map((r) => r.choice!.ownerName);
    expect(owners.filter((o) => o === '并东一')).toHaveLength(8);
    expect(owners.filter((o) => o === '并东二')).toHaveLength(8);
    const rows = await t().db.select({ ownerId: customers.ownerId }).from(customers).where(inArray(customers.name, names));
    expect(new Set(rows.map((r) => r.ownerId)).size).toBe(2);
  });

  it('assignLeads (the import\'s batch call): turns, audit, one notice per lead; a lead claimed meanwhile is left alone', async () => {
    const clock = createClock('2026-11-23T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    const { tenantId } = await setup(chat, '批');
    await chat.say('批管理员', '/设置 分配 地区 浙江 批华东部');
    const ctx = systemCtx(t().db, tenantId, clock.now(), 'Asia/Shanghai');
    const batch: Customer[] = [];
    for (const [name, region] of [['批一宁波阀门', '浙江'], ['批二温州电器', '浙江'], ['批三杭州模具', '浙江'], ['批四昆明机械', '云南']] as const) {
      const r = await createCustomer(ctx, { name, region, phone: String(++phone) }, { ownerId: null, allowSimilar: true });
      if (!r.created) throw new Error('not created');
      batch.push(r.customer);
    }
    // Someone claims the third before the batch runs.
    await t().db.update(customers).set({ ownerId: (await userNamed('批总一')).id }).where(eq(customers.id, batch[2]!.id));
    const assigner = await loadAssigner(t().db, tenantId);
    const { assigned, choices } = await t().db.transaction((tx) => assignLeads({ ...ctx, db: tx }, batch, assigner));
    expect(choices.map((c) => c.ownerName ?? null)).toEqual(['批东一', '批东二', '批东一', null]);
    expect(choices[3]!.rule).toBe('没有匹配的分配规则，也没有默认团队，留在公海');
    expect(assigned.map((c) => c.name)).toEqual(['批一宁波阀门', '批二温州电器']);
    const audit = await t().db.select().from(auditLog).where(inArray(auditLog.entityId, batch.map((c) => c.id)));
    expect(audit.filter((a) => a.action === 'customer.assign_rule')).toHaveLength(2);
    expect(audit.filter((a) => a.action === 'customer.pool')).toHaveLength(1);
    const east1 = (await userNamed('批东一')).id;
    const keys = assigned.map((c) => `golden-notice:${c.id}:${clock.now().getTime()}:console:${c.ownerId === east1 ? '批东一' : '批东二'}`);
    const notices = await t().db.select().from(outbox).where(inArray(outbox.dedupKey, keys));
    expect(notices).toHaveLength(2);
    expect(JSON.stringify(notices[0]!.payload)).toContain('分配依据：按地区「浙江」');
  });
});
