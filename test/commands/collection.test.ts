import { and, eq, isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, deals, paymentInstalments, paymentReceipts } from '../../src/db/schema/index.js';
import { createChat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { dealOf, moneyTeam } from '../helpers/money.js';

// 2026-12-03 is a Thursday; times are Asia/Shanghai.
describe(`/回款计划 and /回款 on won deals (${testDriver()})`, () => {
  const t = useTestDb();

  it('sets a plan that sums to the deal, records receipts in order, refuses over-collection and keeps money when the plan is replaced', async () => {
    const { db } = t();
    const clock = createClock('2026-12-03T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    const p = await moneyTeam(t(), chat, '款', clock.now());
    const open = await dealOf(chat, p.rep, '款一机械', '冲床', '10万', false);
    expect((await chat.say(p.rep, `/回款计划 ${open} 100% 12-31`)).text).toContain('还没有签约');

    const d = await dealOf(chat, p.rep, '款二机械', '数控机床', '10万');
    const [deal] = await db.select().from(deals).where(eq(deals.shortNo, Number(d.slice(2))));
    expect((await chat.say(p.rep, `/回款计划 ${d} 30% 12-31 60% 2027-03-31`)).text).toContain('各期合计 ¥90,000.00（比例合计 90%），商机金额是 ¥100,000.00，还差 ¥10,000.00');
    expect((await chat.say(p.rep, `/回款计划 ${d} 5万 12-31 6万 2027-01-31`)).text).toContain('多了 ¥10,000.00');
    expect((await chat.say(p.rep, `/回款计划 ${d} 100% 2026-12-01`)).text).toContain('已经过去了');
    expect((await chat.say(p.rep, `/回款计划 ${d} 50% 2027-03-31 50% 12-31`)).text).toContain('请按时间先后写');
    expect((await chat.say(p.rep, `/回款计划 ${d} 30% 12-31 70%`)).text).toContain('两项');
    expect((await chat.say(p.other, `/回款计划 ${d} 100% 12-31`)).text).toContain('没有找到商机');
    expect(await db.select().from(paymentInstalments).where(eq(paymentInstalments.dealId, deal!.id))).toHaveLength(0);

    const plan = (await chat.say(p.rep, `/回款计划 ${d} 30% 12-31 70% 2027-03-31`)).text;
    expect(plan).toContain('已设置');
    expect(plan).toContain('第 1 期 2026-12-31 ¥30,000.00 · 未到账');
    expect(plan).toContain('第 2 期 2027-03-31 ¥70,000.00 · 未到账');
    expect((await chat.say(p.rep, `/回款计划 ${d} 3万 12-31 7万 2027-03-31`)).text).toContain('没有变化');

    // Finance or the owner only; the manager sees the deal but does not record money.
    expect((await chat.say(p.manager, `/回款 ${d} 1万`)).text).toContain('只能由财务或商机负责人登记');
    expect((await chat.say(p.other, `/回款 ${d} 1万`)).text).toContain('没有找到商机');
    expect((await chat.say(p.finance, `/回款 ${d} 1万 2026-12-20`)).text).toContain('还没到');
    expect((await chat.say(p.finance, `/回款 ${d} 0`)).text).toContain('必须大于零');

    const first = await chat.say(p.finance, `/回款 ${d} 5万 12-01 首付款`, { eventKey: 'receipt-1' });
    expect(first.text).toContain('已登记回款 ¥50,000.00');
    expect(first.text).toContain('（2026-12-01，首付款）');
    expect(first.text).toContain('第 1 期 2026-12-31 ¥30,000.00 · ✅ 已回清');
    expect(first.text).toContain('第 2 期 2027-03-31 ¥70,000.00 · 已回 ¥20,000.00');
    // The platform delivers the same message again: nothing changes, nothing is said twice.
    await chat.say(p.finance, `/回款 ${d} 5万 12-01 首付款`, { eventKey: 'receipt-1' });
    const receipts = await db.select().from(paymentReceipts).where(eq(paymentReceipts.dealId, deal!.id));
    expect(receipts.map((r) => [r.amountFen, r.receivedOn, r.note])).toEqual([[5_000_000, '2026-12-01', '首付款']]);
    const told = (await chat.inbox(p.rep)).map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : ''));
    expect(told.filter((x) => x.includes('登记了'))).toHaveLength(1);
    expect(told[0]).toContain('已回款 ¥50,000.00，未回款 ¥50,000.00');

    expect((await chat.say(p.rep, `/回款 ${d} 6万`)).text).toContain('回款 ¥60,000.00 超过了未回款的 ¥50,000.00（合同 ¥100,000.00，已回款 ¥50,000.00）');
    expect(await db.select().from(paymentReceipts).where(eq(paymentReceipts.dealId, deal!.id))).toHaveLength(1);

    // Replacing the plan keeps what was received and audits the old one.
    const replaced = (await chat.say(p.rep, `/回款计划 ${d} 40% 12-15 60% 2027-02-28`)).text;
    expect(replaced).toContain('已替换');
    expect(replaced).toContain('已回款保留');
    expect(replaced).toContain('第 1 期 2026-12-15 ¥40,000.00 · ✅ 已回清');
    expect(replaced).toContain('第 2 期 2027-02-28 ¥60,000.00 · 已回 ¥10,000.00');
    const current = await db.select().from(paymentInstalments).where(and(eq(paymentInstalments.dealId, deal!.id), isNull(paymentInstalments.replacedAt)));
    expect(current.map((i) => [i.seq, i.dueOn, i.amountFen])).toEqual([[1, '2026-12-15', 4_000_000], [2, '2027-02-28', 6_000_000]]);
    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.entityId, deal!.id), eq(auditLog.action, 'payment.plan.replace')));
    expect(audit!.before).toEqual({ instalments: [{ seq: 1, dueOn: '2026-12-31', amountFen: 3_000_000 }, { seq: 2, dueOn: '2027-03-31', amountFen: 7_000_000 }] });
    expect((audit!.after as { receivedFen: number }).receivedFen).toBe(5_000_000);

    // The owner records the rest in two goes; then nothing more is accepted.
    expect((await chat.say(p.rep, `/回款 ${d} 3万 昨天`)).text).toContain('（2026-12-02）');
    expect((await chat.say(p.rep, `/回款 ${d} ¥20,000`)).text).toContain('已回 ¥100,000.00 / ¥100,000.00（100%） · 未回 ¥0.00');
    expect((await chat.say(p.finance, `/回款 ${d} 1`)).text).toContain('已经全部回款');

    // Finance sees any deal's payments; /查看 shows the plan to those who see the deal.
    expect((await chat.say(p.finance, `/回款 ${d}`)).text).toContain('第 2 期 2027-02-28 ¥60,000.00 · ✅ 已回清');
    const view = (await chat.say(p.manager, `/查看 ${d}`)).text;
    expect(view).toContain(`回款 ${d}`);
    expect(view).toContain('已回 ¥100,000.00 / ¥100,000.00（100%）');
  });

  it('shows outstanding and overdue amounts in /查看 as the days pass', async () => {
    const clock = createClock('2026-12-03T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    const p = await moneyTeam(t(), chat, '逾', clock.now());
    const d = await dealOf(chat, p.rep, '逾期泵业', '离心泵', '8.6万');
    await chat.say(p.rep, `/回款计划 ${d} 2万 12-10 66000 2027-01-20`);
    await chat.say(p.finance, `/回款 ${d} 5000`);
    clock.set('2026-12-11T10:00:00+08:00');
    const view = (await chat.say(p.rep, `/查看 ${d}`)).text;
    expect(view).toContain('已回 ¥5,000.00 / ¥86,000.00（6%） · 未回 ¥81,000.00 · ⚠️ 逾期 ¥15,000.00');
    expect(view).toContain('第 1 期 2026-12-10 ¥20,000.00 · ⚠️ 逾期未回 ¥15,000.00');
    expect(view).toContain('第 2 期 2027-01-20 ¥66,000.00 · 未到账');
  });
});
