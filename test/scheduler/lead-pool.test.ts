import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, customers, nudges, users } from '../../src/db/schema/index.js';
import { runRulesTick } from '../../src/scheduler/rules-tick.js';
import { updateSettings } from '../../src/services/settings.js';
import { toActor } from '../../src/services/users.js';
import { createChat, entryText, type Chat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

// Times are Asia/Shanghai (+08:00); working hours 9–18 on weekdays, quiet 21–8 and weekends.
describe(`golden response, recycling and the customer's life after the win (${testDriver()})`, () => {
  const t = useTestDb();
  let phone = 13400000000;
  const customerNo = (text: string) => /C-\d+/.exec(text)![0];
  const customerBy = async (no: string) => (await t().db.select().from(customers).where(eq(customers.shortNo, Number(no.slice(2)))))[0]!;
  const userNamed = async (name: string) => (await t().db.select().from(users).where(eq(users.name, name)))[0]!;

  async function people(chat: Chat, p: string) {
    await chat.say(`${p}管理员`, '/帮助', { role: 'admin' });
    await chat.say(`${p}经理`, '/帮助', { role: 'manager' });
    await chat.say(`${p}销售`, '/帮助');
    await chat.say(`${p}同事`, '/帮助');
    await chat.say(`${p}管理员`, `/设置 上级 ${p}销售 ${p}经理`);
    await chat.say(`${p}管理员`, `/设置 上级 ${p}同事 ${p}经理`);
  }

  function ticker(chat: Chat, clock: ReturnType<typeof createClock>) {
    return {
      async at(iso: string) {
        clock.set(iso);
        await runRulesTick(t().db, clock.now());
      },
      async heard(who: string, mark: string) {
        return (await chat.inbox(who)).map(entryText).filter((x) => x.includes(mark));
      },
    };
  }

  it('golden response: told at once, reminded after 30 working minutes, the manager after 24 hours; once each', async () => {
    const clock = createClock('2026-11-23T17:50:00+08:00'); // Monday, 10 working minutes before 18:00
    const chat = createChat(t(), { now: clock.now });
    await people(chat, '金');
    const tick = ticker(chat, clock);
    const id = customerNo((await chat.say('金经理', `/新线索 金华永康五金 ${++phone} 浙江 五金`)).text);
    const quick = customerNo((await chat.say('金经理', `/新线索 金坛精密轴承 ${++phone} 江苏`)).text);
    await chat.say('金经理', `/分配 ${id} 金销售`);
    await chat.say('金经理', `/分配 ${quick} 金销售`);
    expect(await tick.heard('金销售', '🆕')).toHaveLength(2);
    // A deal opened without a follow-up does not count as touching the lead, and does not alert twice.
    await chat.say('金销售', `/新商机 ${id} 五金件 3万`);
    await chat.say('金销售', `/跟进 ${quick} 电话沟通，要报价`);

    await tick.at('2026-11-23T18:30:00+08:00');
    await tick.at('2026-11-24T09:19:00+08:00'); // 29 working minutes
    expect(await tick.heard('金销售', '⏰')).toEqual([]);
    await tick.at('2026-11-24T09:20:00+08:00');
    await tick.at('2026-11-24T09:21:00+08:00');
    const reminded = await tick.heard('金销售', '⏰');
    expect(reminded).toEqual([`⏰ 黄金响应：新线索 ${id} 金华永康五金 分配给你已超过 30 个工作分钟，还没有跟进记录。现在联系，并记录：/跟进 ${id} <内容>`]);

    await tick.at('2026-11-24T17:49:00+08:00');
    expect(await tick.heard('金经理', '📌')).toEqual([]);
    await tick.at('2026-11-24T17:50:00+08:00');
    await tick.at('2026-11-24T18:10:00+08:00');
    const escalated = await tick.heard('金经理', '📌');
    expect(escalated).toEqual([expect.stringContaining(`📌 新线索分配超过 24 小时未联系：${id} 金华永康五金（负责人 金销售，11-23 17:50 分配）`)]);
    const c = await customerBy(id);
    expect(await t().db.select().from(nudges).where(eq(nudges.subjectId, c.id))).toHaveLength(2);
  });

  it('recycling: warns 3 days before, takes an idle customer back to the pool, and blocks the same rep from reclaiming it', async () => {
    const clock = createClock('2026-11-04T10:00:00+08:00'); // Wednesday
    const chat = createChat(t(), { now: clock.now });
    await people(chat, '回');
    const admin = await userNamed('回管理员');
    await updateSettings({ db: t().db, actor: toActor(admin), now: clock.now(), timeZone: 'Asia/Shanghai' }, { pool: { claimsPerDay: 10, maxOpenLeads: 200 } });
    const tick = ticker(chat, clock);
    const idle = customerNo((await chat.say('回销售', `/新客户 回龙冲压件 ${++phone}`)).text);
    const busy = customerNo((await chat.say('回销售', `/新客户 回春注塑机 ${++phone}`)).text);
    const kept = customerNo((await chat.say('回销售', `/新客户 回澜钣金厂 ${++phone}`)).text);
    await chat.say('回销售', `/新商机 ${busy} 注塑机 20万`);
    clock.set('2026-11-14T10:00:00+08:00');
    await chat.say('回销售', `/跟进 ${kept} 电话回访`);

    await tick.at('2026-11-30T10:00:00+08:00'); // 26 days
    expect(await tick.heard('回销售', '⚠️')).toEqual([]);
    await tick.at('2026-12-01T10:00:00+08:00'); // 27 days
    await tick.at('2026-12-01T10:05:00+08:00');
    expect(await tick.heard('回销售', '⚠️')).toEqual([`⚠️ ${idle} 回龙冲压件 已 27 天没有跟进，2026-12-04 将回收到公海。要保留，请记录一次跟进：/跟进 ${idle} <内容>`]);

    await tick.at('2026-12-04T10:00:00+08:00');
    await tick.at('2026-12-04T10:01:00+08:00');
    expect(await tick.heard('回销售', '♻️')).toEqual([`♻️ ${idle} 回龙冲压件 已 30 天没有跟进、也没有进行中的商机，已回收到公海。30 天内你不能重新领取。`]);
    const rep = await userNamed('回销售');
    const back = await customerBy(idle);
    expect(back.ownerId).toBeNull();
    expect(back.releasedFromId).toBe(rep.id);
    expect((await customerBy(busy)).ownerId).toBe(rep.id);
    expect((await customerBy(kept)).ownerId).toBe(rep.id);
    const audit = await t().db.select().from(auditLog).where(and(eq(auditLog.entityId, back.id), eq(auditLog.action, 'customer.recycle')));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBeNull();
    expect(audit[0]!.after).toEqual({ ownerId: null, rule: '30 天无跟进、无进行中的商机' });

    expect((await chat.say('回同事', '/公海 冲压')).text).toContain(`${idle} 回龙冲压件 · 在公海 0 天`);
    expect((await chat.say('回销售', `/领取 ${idle}`)).text).toBe(
      `${idle} 回龙冲压件 是 2026-12-04 因长期未跟进从你名下回收的，2027-01-03 之后才能重新领取。如确需跟进，请经理 /分配 给你。`,
    );
    expect((await chat.say('回同事', `/领取 ${idle}`)).text).toContain(`已领取 ${idle} 回龙冲压件`);
  });

  it('after the win: 正式, asks the win reason, a 回访 task, and a 沉默客户挽回 reminder after 90 silent days', async () => {
    const clock = createClock('2026-11-04T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    await people(chat, '赢');
    const admin = await userNamed('赢管理员');
    await updateSettings({ db: t().db, actor: toActor(admin), now: clock.now(), timeZone: 'Asia/Shanghai' }, {
      pipeline: { exitCriteria: { enterWon: { requireApprovedQuote: false } } },
    });
    const tick = ticker(chat, clock);
    const id = customerNo((await chat.say('赢销售', `/新客户 赢海液压件 ${++phone}`)).text);
    const deal = /D-\d+/.exec((await chat.say('赢销售', `/新商机 ${id} 液压缸 10万`)).text)![0];
    await chat.say('赢销售', `/跟进 ${deal} 拜访，需求明确 下一步:报价`);
    const won = await chat.say('赢销售', `/推进 ${deal} 签约`);
    expect(won.text).toContain('🎉 恭喜签约！客户已转为正式客户，2026-11-11 会提醒你回访。');
    expect(won.text).toContain(`${deal} 的成交原因是什么？`);
    expect((await chat.say('赢销售', '1')).text).toBe(`${deal}「液压缸」成交原因已记录：价格有优势`);
    expect((await chat.say('赢销售', `/推进 ${deal} 签约 原因:价格有优势`)).text).toBe(`${deal}「液压缸」成交原因已经是：价格有优势`);
    expect((await chat.say('赢销售', `/推进 ${deal} 签约 原因:关系好`)).text).toBe(`${deal} 已记录成交原因：价格有优势。`);
    const shown = (await chat.say('赢销售', `/查看 ${id}`)).text;
    expect(shown).toContain('（正式客户）');
    expect(shown).toContain('成交原因：价格有优势');
    expect(shown).toContain(`📅 回访：${deal}「液压缸」签约后：2026-11-11`);
    expect((await chat.say('赢销售', '/客户列表 正式')).text).toContain(`${id} 赢海液压件（正式）`);
    expect((await chat.say('赢销售', '/客户列表 潜在')).text).not.toContain(id);
    expect((await chat.say('赢同事', '/客户列表 正式')).text).not.toContain(id);
    expect((await chat.say('赢经理', '/customers active')).text).toContain(`${id} 赢海液压件（正式） · 赢销售`);
    expect((await chat.say('赢销售', '/客户列表 成交了')).text).toContain('状态写 正式、潜在 或 沉默');

    await tick.at('2026-11-10T10:00:00+08:00');
    expect(await tick.heard('赢销售', '📅')).toEqual([]);
    await tick.at('2026-11-11T10:00:00+08:00');
    await tick.at('2026-11-11T10:01:00+08:00');
    expect(await tick.heard('赢销售', '📅')).toEqual([
      `📅 回访提醒：${id} 赢海液压件 —— 回访：${deal}「液压缸」签约后 7 天了，请安排回访（使用情况、售后、复购）。回访后记录：/跟进 ${id} 回访 <内容>`,
    ]);
    await chat.say('赢销售', `/跟进 ${id} 回访，设备运行正常`);
    expect((await chat.say('赢销售', `/查看 ${id}`)).text).not.toContain('📅');

    await tick.at('2027-02-08T10:00:00+08:00'); // 89 days after the visit
    expect(await tick.heard('赢销售', '💤')).toEqual([]);
    await tick.at('2027-02-09T10:00:00+08:00');
    await tick.at('2027-02-09T10:01:00+08:00');
    expect(await tick.heard('赢销售', '💤')).toEqual([
      `💤 沉默客户挽回：${id} 赢海液压件 已 90 天（超过 90 天）没有新订单、也没有跟进。上一单：${deal}「液压缸」 ¥100,000.00，2026-11-04 签约。买过：液压缸。\n问问近况和复购需求吧：/跟进 ${id} <内容>`,
    ]);
    expect((await customerBy(id)).status).toBe('dormant');
    expect((await chat.say('赢销售', `/查看 ${id}`)).text).toContain('（沉默客户）');
    expect((await chat.say('赢销售', '/客户列表 沉默')).text).toContain(`${id} 赢海液压件（沉默）`);
    await chat.say('赢销售', `/跟进 ${id} 电话问候，下月有新需求`);
    expect((await customerBy(id)).status).toBe('active');
  });
});
