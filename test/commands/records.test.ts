import { and, desc, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { auditLog, contacts, customers, deals, stageHistory } from '../../src/db/schema/index.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

describe(`maintaining customers and deals from chat (${testDriver()})`, () => {
  const t = useTestDb();
  const clock = createClock('2026-12-02T02:00:00Z');
  let chat: Chat;
  const auditCount = async () => Number((await queryRows<{ n: number }>(t().db, sql`select count(*)::int as n from audit_log`))[0]!.n);
  const customer = async (name: string) => (await t().db.select().from(customers).where(eq(customers.name, name)))[0]!;
  const deal = async (title: string) => (await t().db.select().from(deals).where(eq(deals.title, title)))[0]!;
  /** Sends a command that must be refused: nothing written but the reply. */
  const refused = async (user: string, line: string) => {
    const before = { audit: await auditCount(), customers: JSON.stringify(await t().db.select().from(customers).orderBy(customers.shortNo)) };
    const reply = (await chat.say(user, line)).text;
    expect({ audit: await auditCount(), customers: JSON.stringify(await t().db.select().from(customers).orderBy(customers.shortNo)) }, line).toEqual(before);
    return reply;
  };
  let c1: string;

  beforeAll(async () => {
    chat = createChat(t(), { now: clock.now });
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    await chat.say('张三', '/帮助');
    await chat.say('李四', '/帮助');
    await chat.say('管理员', '/设置 上级 张三 吴经理');
    c1 = /C-\d+/.exec((await chat.say('张三', '/新客户 华东五金 13800138000 上海 五金 B')).text)![0];
    await chat.say('李四', '/新客户 宁波精工模具 13900001111');
  });

  it('edits a customer field by field, audited with old → new', async () => {
    const graded = await chat.say('张三', `/修改 ${c1} 等级 a`);
    expect(graded.text).toBe(`已修改 ${c1} 华东五金：\n等级：B → A`);
    expect(await customer('华东五金')).toMatchObject({ grade: 'A' });
    const [entry] = await t().db.select().from(auditLog).where(eq(auditLog.action, 'customer.update'));
    expect(entry).toMatchObject({ entityType: 'customer', before: { grade: 'B' }, after: { grade: 'A' }, viaPlatform: 'console' });

    const many = await chat.say('张三', `/edit ${c1} 电话:0574-87654321 地区:宁波 行业:阀门`);
    expect(many.text).toContain('电话：13800138000 → 0574-87654321');
    expect(many.text).toContain('地区：上海 → 宁波');
    expect(await customer('华东五金')).toMatchObject({ phone: '0574-87654321', phoneNormalised: '057487654321', region: '宁波', industry: '阀门' });
    expect((await chat.say('张三', `/修改 ${c1} 来源 展会`)).text).toContain('来源：（空） → 展会');
    expect((await chat.say('张三', `/修改 ${c1} 行业 清空`)).text).toContain('行业：阀门 → （空）');
    expect((await customer('华东五金')).industry).toBeNull();
    expect((await refused('张三', `/修改 ${c1} 来源 展会`))).toContain('没有变化');
  });

  it('renames with a recomputed dedup key, and refuses a name or phone another customer has', async () => {
    const renamed = await chat.say('张三', `/修改 ${c1} 名称 上海华东五金制品有限公司`);
    expect(renamed.text).toContain('名称：华东五金 → 上海华东五金制品有限公司');
    const c = await customer('上海华东五金制品有限公司');
    expect(c.normalisedName).toBe('华东五金制品');
    // Someone else's customer: refused, showing only its name and owner.
    const byName = await refused('张三', `/修改 ${c1} 名称 宁波精工模具有限公司`);
    expect(byName).toMatch(/已有客户 C-\d+ 宁波精工模具（负责人 李四）用了这个公司名，没有修改/);
    expect(byName).not.toContain('13900001111');
    expect(await refused('张三', `/修改 ${c1} 电话 +86 139 0000 1111`)).toContain('用了这个电话');
    expect(await refused('张三', `/修改 ${c1} 电话 12ab`)).toContain('看起来不像');
    expect(await refused('张三', `/修改 ${c1} 名称 清空`)).toContain('公司名不能清空');
    expect(await refused('张三', `/修改 ${c1} 等级 S`)).toContain('只能是 A、B 或 C');
    expect(await refused('张三', `/修改 ${c1} 颜色 红`)).toContain('不能修改「颜色」');
    expect(await refused('张三', `/修改 ${c1} 名称 ${'长'.repeat(101)}`)).toContain('公司名太长');
  });

  it('lets only the owner, their manager or an admin change a record', async () => {
    expect(await refused('李四', `/修改 ${c1} 等级 C`)).toContain(`没有找到客户「${c1}」`);
    expect(await refused('李四', `/标签 ${c1} +抢单`)).toContain('没有找到客户');
    expect((await chat.say('吴经理', `/修改 ${c1} 等级 B`)).text).toContain('等级：A → B');
    expect((await chat.say('管理员', `/修改 ${c1} 等级 A`)).text).toContain('等级：B → A');
  });

  it('adds and removes tags, and says which were not there', async () => {
    const added = await chat.say('张三', `/标签 ${c1} +外资 老客户 +外资`);
    expect(added.text).toContain('添加 外资、老客户');
    expect((await customer('上海华东五金制品有限公司')).tags).toEqual(['外资', '老客户']);
    const mixed = await chat.say('张三', `/tag ${c1} －老客户 -潜在`);
    expect(mixed.text).toContain('删除 老客户');
    expect(mixed.text).toContain('没有这些标签：潜在');
    expect((await customer('上海华东五金制品有限公司')).tags).toEqual(['外资']);
    const [entry] = await t().db.select().from(auditLog).where(eq(auditLog.action, 'customer.tags')).orderBy(desc(auditLog.id)).limit(1);
    expect(entry).toMatchObject({ before: { tags: ['外资', '老客户'] }, after: { tags: ['外资'] } });
    expect(await refused('张三', `/标签 ${c1} -潜在`)).toContain('标签没有变化');
    expect(await refused('张三', `/标签 ${c1} +${'长'.repeat(21)}`)).toContain('太长');
    expect((await refused('张三', `/标签 ${c1}`))).toContain('的标签：外资');
  });

  it('adds several contacts, updates one by name, and refuses a bad phone', async () => {
    const first = await chat.say('张三', `/联系人 ${c1} 王经理 采购 13912345678`);
    expect(first.text).toBe(`已添加联系人 王经理（采购，13912345678） → ${c1} 上海华东五金制品有限公司`);
    clock.advanceHours(1);
    await chat.say('张三', `/contact ${c1} "Li Wei" 技术 总工`);
    const updated = await chat.say('张三', `/联系人 ${c1} 王经理 采购总监`);
    expect(updated.text).toContain('已更新联系人 王经理（采购总监，13912345678）');
    const rows = await t().db.select().from(contacts).orderBy(contacts.createdAt);
    expect(rows.map((r) => [r.name, r.decisionRole, r.phone])).toEqual([
      ['王经理', '采购总监', '13912345678'],
      ['Li Wei', '技术 总工', null],
    ]);
    expect(await refused('张三', `/联系人 ${c1} 赵工 139123`)).toContain('看起来不像');
    expect(await refused('张三', `/联系人 ${c1} 13912345678`)).toContain('请先写联系人姓名');
    expect(await t().db.select().from(contacts)).toHaveLength(2);
    await chat.say('张三', `/联系人 ${c1} 临时工 搬运`);
    expect((await chat.say('张三', `/联系人 ${c1} -临时工`)).text).toContain('已删除联系人 临时工');
    expect(await refused('张三', `/联系人 ${c1} -临时工`)).toContain('没有联系人「临时工」');
    expect(await t().db.select().from(contacts)).toHaveLength(2);
    const [removal] = await t().db.select().from(auditLog).where(eq(auditLog.action, 'customer.contact.remove'));
    expect(removal).toMatchObject({ before: { contact: '临时工', decisionRole: '搬运', phone: null } });
  });

  it('edits a deal title and amount, and refuses customer fields on a deal', async () => {
    const d = /D-\d+/.exec((await chat.say('张三', `/新商机 ${c1} 不锈钢球阀 10万`)).text)![0];
    expect((await chat.say('张三', `/修改 ${d} 金额 12万`)).text).toContain('金额：¥100,000.00 → ¥120,000.00');
    expect((await chat.say('张三', `/修改 ${d} 金额：12万`)).text).toContain('没有变化');
    expect((await chat.say('张三', `/修改 ${d} 标题 不锈钢球阀 二期`)).text).toContain('标题：不锈钢球阀 → 不锈钢球阀 二期');
    expect(await deal('不锈钢球阀 二期')).toMatchObject({ amountFen: 12_000_000 });
    const [entry] = await t().db.select().from(auditLog).where(eq(auditLog.action, 'deal.update')).orderBy(desc(auditLog.id)).limit(1);
    expect(entry).toMatchObject({ before: { title: '不锈钢球阀' }, after: { title: '不锈钢球阀 二期' } });
    expect(await refused('张三', `/修改 ${d} 金额 很多`)).toContain('看不懂商机金额「很多」');
    expect(await refused('张三', `/修改 ${d} 等级 A`)).toContain('商机只能改标题、金额和预计成交');
    expect(await refused('张三', `/修改 ${c1} 金额 5万`)).toContain('是商机的字段');
  });

  it('asks to confirm a move back with a reason, and records it', async () => {
    await chat.say('张三', '/新客户 苏州泵阀 13700002222');
    const d = /D-\d+/.exec((await chat.say('张三', '/新商机 苏州泵阀 离心泵 8万')).text)![0];
    await chat.say('张三', `/跟进 ${d} 拜访 下一步:出方案`);
    await chat.say('张三', `/推进 ${d} 方案`);
    const ask = await chat.say('张三', `/推进 ${d} 线索`);
    expect(ask.text).toContain(`要把 ${d}「离心泵」从「方案」退回「线索」吗？`);
    expect(ask.text).toContain('1. 客户重新评估');
    expect((await deal('离心泵')).stage).toBe('proposal');
    const picked = await chat.say('张三', '1');
    expect(picked.text).toBe(`${d}「离心泵」：方案 → 线索\n原因：客户重新评估`);
    expect((await deal('离心泵')).stage).toBe('lead');
    const [entry] = await t().db.select().from(auditLog).where(eq(auditLog.action, 'deal.stage')).orderBy(desc(auditLog.id)).limit(1);
    expect(entry).toMatchObject({ before: { stage: 'proposal' }, after: { stage: 'lead', reason: '客户重新评估' } });
    // Typed with the reason: no question asked; forward moves never ask.
    expect((await chat.say('张三', `/推进 ${d} 初访`)).text).toContain('线索 → 初访');
    expect((await chat.say('张三', `/推进 ${d} 线索 原因:需求没确认`)).text).toContain('原因：需求没确认');
  });

  it('reopens a lost deal at the stage it was lost from', async () => {
    await chat.say('张三', '/新客户 东莞五金厂 13600003333');
    const d = /D-\d+/.exec((await chat.say('张三', '/新商机 东莞五金厂 冲压件 3万')).text)![0];
    await chat.say('张三', `/跟进 ${d} 电话 下一步:报方案`);
    await chat.say('张三', `/推进 ${d} 方案`);
    await chat.say('张三', `/输单 ${d} 价格高`);
    expect(await refused('李四', `/重开 ${d} 抢回来`)).toContain('没有找到商机');
    expect(await refused('张三', `/重开 ${d}`)).toContain('重开必须写原因');
    clock.advanceHours(24);
    const reopened = await chat.say('张三', `/reopen ${d} 竞品交不了货`);
    expect(reopened.text).toContain(`${d}「冲压件」已重开，回到「方案」阶段。原因：竞品交不了货`);
    const row = await deal('冲压件');
    expect(row).toMatchObject({ stage: 'proposal', closedAt: null, lostReason: null, probability: 40 });
    expect(row.lastActivityAt).toEqual(clock.now());
    const history = await t().db.select().from(stageHistory).where(eq(stageHistory.dealId, row.id)).orderBy(stageHistory.enteredAt);
    expect(history.map((h) => h.stage)).toEqual(['lead', 'proposal', 'lost', 'proposal']);
    expect(history.at(-1)!.leftAt).toBeNull();
    const [entry] = await t().db.select().from(auditLog).where(and(eq(auditLog.action, 'deal.reopen'), eq(auditLog.entityId, row.id)));
    expect(entry).toMatchObject({ before: { stage: 'lost', lostReason: '价格高' }, after: { stage: 'proposal', reason: '竞品交不了货' } });
    expect(await refused('张三', `/重开 ${d} 再开一次`)).toContain('没有输单，无需重开');
  });

  it('shows status, tags, contacts and the latest changes in /查看', async () => {
    const view = (await chat.say('张三', `/查看 ${c1}`)).text;
    expect(view).toContain(`${c1} 上海华东五金制品有限公司（潜在客户 · A 级）`);
    expect(view).toContain('标签：外资');
    expect(view).toContain('联系人：王经理（采购总监，13912345678）、Li Wei（技术 总工）');
    // The heading is ours (bold), not user text: no raw ** on the console, no escaped ＊＊ on the platforms.
    expect(view.split('\n')).toContain('最近改动');
    expect(view).not.toContain('**');
    const changes = view.slice(view.indexOf('最近改动')).split('\n').slice(1);
    expect(changes).toHaveLength(3);
    expect(changes[0]).toMatch(/^- 12-02 \d\d:\d\d 张三：D-\d+ 标题 不锈钢球阀 → 不锈钢球阀 二期$/);
    expect(changes[1]).toContain('金额 ¥100,000.00 → ¥120,000.00');
    expect(changes[2]).toContain('新建商机');
    expect((await chat.say('张三', '/帮助')).text).toMatch(/\/修改（\/edit）[\s\S]*\/标签（\/tag）[\s\S]*\/联系人（\/contact）[\s\S]*\/重开（\/reopen）[\s\S]*\/撤回（\/withdraw）/);
  });

  it('asks which customer an ambiguous name means, then edits the chosen one with the labelled field', async () => {
    const ask = await chat.say('张三', '/修改 五金 地区:杭州');
    expect(ask.text).toContain('「五金」匹配到 2 个客户');
    const edited = await chat.say('张三', '2');
    expect(edited.text).toMatch(/已修改 C-\d+ (东莞五金厂|上海华东五金制品有限公司)：\n地区：.+ → 杭州/);
    const regions = (await t().db.select().from(customers)).map((c) => c.region);
    expect(regions.filter((r) => r === '杭州')).toHaveLength(1);
  });
});
