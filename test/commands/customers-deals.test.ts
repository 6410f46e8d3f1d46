import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { auditLog, customers, deals, followUps, stageHistory } from '../../src/db/schema/index.js';
import { createChat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const count = async (db: Parameters<typeof queryRows>[0], table: string) =>
  Number((await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);

describe(`customers, deals, follow-ups and stages through chat (${testDriver()})`, () => {
  const t = useTestDb();

  it('creates a customer and deduplicates by normalised name and by phone', async () => {
    const chat = createChat(t());
    const first = await chat.say('张三', '/新客户 上海华东五金有限公司 138-0013-8000 上海 五金 A');
    expect(first.text).toMatch(/已创建客户 C-\d+ 上海华东五金有限公司/);
    const [c] = await t().db.select().from(customers).where(eq(customers.name, '上海华东五金有限公司'));
    expect(c).toMatchObject({ normalisedName: '华东五金', phoneNormalised: '13800138000', grade: 'A', industry: '五金' });

    const byName = await chat.say('李四', '/customer 华东五金（中国）股份有限公司');
    expect(byName.text).toContain('客户已存在（公司名相同）');
    expect(byName.text).toContain('负责人：张三');
    const byPhone = await chat.say('李四', '/新客户 完全不同的名字 +86 138 0013 8000');
    expect(byPhone.text).toContain('客户已存在（电话相同）');
    const rows = await t().db.select().from(customers).where(eq(customers.normalisedName, '华东五金'));
    expect(rows).toHaveLength(1);
    expect(await count(t().db, "customers where name = '完全不同的名字'")).toBe(0);
  });

  it('answers bad input with the usage, never an error dump', async () => {
    const chat = createChat(t());
    expect((await chat.say('王五', '/新客户')).text).toMatch(/请写上公司名。\n用法：\/新客户/);
    expect((await chat.say('王五', '/新客户 某公司 A Z 区 行业 D')).text).toContain('已创建客户');
    expect((await chat.say('王五', '/不存在的命令 x')).text).toContain('没有「/不存在的命令」这个命令');
    expect((await chat.say('王五', '/新商机')).text).toContain('用法：/新商机');
    expect((await chat.say('王五', '/推进 D-1 火星')).text).toContain('不认识阶段「火星」');
    expect((await chat.say('王五', '/跟进 D-9999 打了电话')).text).toContain('没有找到商机「D-9999」');
    // A customer's name where a deal is asked for: it says the name is a customer's and how to go on.
    await chat.say('王五', '/新客户 嘉善阀门');
    const cust = /C-\d+/.exec((await chat.say('王五', '/查看 嘉善阀门')).text)![0];
    const noun = (await chat.say('王五', '/推进 嘉善阀门 方案')).text;
    expect(noun).toBe(`「嘉善阀门」是客户 ${cust}，不是商机；它名下还没有你能看到的商机。查看客户：/查看 ${cust}；新建商机：/新商机 ${cust} <商机名称> [金额]`);
    expect(noun).not.toContain('没有找到商机');
    expect((await chat.say('王五', '/跟进 C-1 打了电话 下次:下辈子')).text).toContain('看不懂日期「下辈子」');
  });

  it('walks a deal from 线索 to 方案 with exit criteria enforced and history kept', async () => {
    const chat = createChat(t());
    await chat.say('赵六', '/新客户 宁波精工模具 13900001111');
    const created = await chat.say('赵六', '/新商机 宁波精工 注塑模具 5万');
    const dealId = /D-\d+/.exec(created.text)![0];
    expect(created.text).toContain('¥50,000.00');
    const [deal] = await t().db.select().from(deals).where(eq(deals.title, '注塑模具'));
    expect(deal!.amountFen).toBe(5_000_000);

    const refused = await chat.say('赵六', `/推进 ${dealId} 初访`);
    expect(refused.text).toContain('还不能把');
    expect(refused.text).toContain('至少一条跟进记录');
    await chat.say('赵六', `/跟进 ${dealId} 电话联系了采购，约了下周拜访`);
    // Skipping 初访 to 方案 needs 初访's criterion too (a follow-up stating the need).
    const skip = await chat.say('赵六', `/推进 ${dealId} 方案`);
    expect(skip.text).toContain('离开「初访」需要');
    const logged = await chat.say('赵六', `/log ${dealId} 上门拜访，看了现场 下一步:出模具方案 下次:后天`);
    expect(logged.text).toContain('已记录拜访跟进');
    expect(logged.text).toContain('下一步：出模具方案');
    const moved = await chat.say('赵六', `/stage ${dealId} proposal`);
    expect(moved.text).toContain('线索 → 方案');

    const [after] = await t().db.select().from(deals).where(eq(deals.id, deal!.id));
    expect(after!.stage).toBe('proposal');
    expect(after!.probability).toBe(40);
    const history = await t().db.select().from(stageHistory).where(eq(stageHistory.dealId, deal!.id));
    expect(history.map((h) => h.stage).sort()).toEqual(['lead', 'proposal']);
    expect(history.find((h) => h.stage === 'lead')!.leftAt).not.toBeNull();
    const won = await chat.say('赵六', `/推进 ${dealId} 签约`);
    expect(won.text).toContain('已审批通过的报价');
    const audits = await t().db.select().from(auditLog).where(and(eq(auditLog.entityId, deal!.id), eq(auditLog.action, 'deal.stage')));
    expect(audits).toHaveLength(1);
    expect(audits[0]!.viaPlatform).toBe('console');
  });

  it('closes as lost only with a reason, and keeps reps out of each other\'s deals', async () => {
    const chat = createChat(t());
    await chat.say('甲', '/新客户 苏州泵阀 13700002222');
    const d = /D-\d+/.exec((await chat.say('甲', '/新商机 苏州泵阀 离心泵 8万')).text)![0];
    expect((await chat.say('乙', `/跟进 ${d} 我也去拜访了`)).text).toContain(`没有找到商机「${d}」`);
    expect((await chat.say('乙', `/输单 ${d} 抢单`)).text).toContain('没有找到');
    expect((await chat.say('甲', `/输单 ${d}`)).text).toContain('输单必须写原因');
    expect((await chat.say('甲', `/输单 ${d} 价格高于竞品`)).text).toContain('已标记为输单');
    const [deal] = await t().db.select().from(deals).where(eq(deals.title, '离心泵'));
    expect(deal).toMatchObject({ stage: 'lost', lostReason: '价格高于竞品' });
    expect(deal!.closedAt).not.toBeNull();
    expect((await chat.say('甲', `/推进 ${d} 方案`)).text).toContain('已经输单');
  });

  it('changes nothing when the same message id is delivered twice', async () => {
    const chat = createChat(t());
    await chat.say('丙', '/新客户 东莞五金厂 13600003333');
    const before = await count(t().db, 'follow_ups');
    const first = await chat.say('丙', '/跟进 东莞五金厂 电话沟通交期', { eventKey: 'dup-1' });
    const second = await chat.say('丙', '/跟进 东莞五金厂 电话沟通交期', { eventKey: 'dup-1' });
    expect(first.text).toContain('已记录电话跟进');
    expect(second.entries).toHaveLength(0);
    expect(await count(t().db, 'follow_ups')).toBe(before + 1);
  });

  it('offers a numbered choice for an ambiguous name and acts on the number', async () => {
    const chat = createChat(t());
    await chat.say('丁', '/新客户 温州阀门一厂 13500004444');
    await chat.say('丁', '/新客户 温州阀门二厂 13500005555');
    const ask = await chat.say('丁', '/跟进 阀门 电话回访');
    expect(ask.text).toContain('匹配到 2 个客户');
    const picked = await chat.say('丁', '2');
    expect(picked.text).toMatch(/已记录电话跟进 → 客户 C-\d+ 温州阀门/);
    const rows = await t().db.select().from(followUps).where(eq(followUps.summary, '电话回访'));
    expect(rows).toHaveLength(1);
  });

  it('reads a plain sentence naming one of my customers as a follow-up, and undoes it', async () => {
    const chat = createChat(t());
    await chat.say('戊', '/新客户 台州机械 13300006666');
    const d = /D-\d+/.exec((await chat.say('戊', '/新商机 台州机械 数控机床 20万')).text)![0];
    const plain = await chat.say('戊', '今天去台州机械拜访了老板，对价格满意');
    expect(plain.text).toContain(`已记录拜访跟进 → 商机 ${d}`);
    expect(plain.text).toContain('/撤销');
    const undo = await chat.say('戊', '/撤销');
    expect(undo.text).toContain('已撤销跟进');
    const rows = await t().db.select().from(followUps).where(eq(followUps.summary, '今天去台州机械拜访了老板，对价格满意'));
    expect(rows[0]!.undoneAt).not.toBeNull();
    expect((await chat.say('戊', '随便说一句')).text).toContain('/帮助');
  });

  it('undoing a follow-up gives the deal back the date agreed before it', async () => {
    let now = new Date('2026-12-01T02:00:00Z');
    const chat = createChat(t(), { now: () => now });
    await chat.say('己', '/新客户 绍兴泵业 13300007777');
    const d = /D-\d+/.exec((await chat.say('己', '/新商机 绍兴泵业 多级离心泵 8万')).text)![0];
    expect((await chat.say('己', `/跟进 ${d} 电话沟通交期 下次:2026-12-08`)).text).toContain('下次跟进：12-08');
    now = new Date('2026-12-01T03:00:00Z');
    expect((await chat.say('己', `/跟进 ${d} 客户说再等等 下次:2026-12-20`)).text).toContain('下次跟进：12-20');
    const dueOf = async () => (await t().db.select().from(deals).where(eq(deals.title, '多级离心泵')))[0]!.nextDueAt;
    expect((await dueOf())!.toISOString()).toBe('2026-12-20T01:00:00.000Z');
    expect((await chat.say('己', '/撤销')).text).toContain('已撤销跟进：「客户说再等等」');
    expect((await dueOf())!.toISOString()).toBe('2026-12-08T01:00:00.000Z');
    expect((await chat.say('己', '/撤销')).text).toContain('已撤销跟进：「电话沟通交期」');
    expect(await dueOf()).toBeNull();
  });
});
