import { plainText } from '../../cards/markup.js';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../bots/console/mailbox.js';
import type { Card } from '../../cards/model.js';
import { queryRows } from '../../src/db/rows.js';
import { approvalRequests, approvalSteps, auditLog, deals, quotes } from '../../src/db/schema/index.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const cardOf = (entries: MailboxEntry[]) => {
  const e = entries.find((x) => x.kind === 'message' && x.message.type === 'card');
  if (!e || e.kind !== 'message' || e.message.type !== 'card') throw new Error('no card received');
  return { card: e.message.card as Card, cardRef: e.cardRef };
};
const texts = (entries: MailboxEntry[]) => entries.map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join('\n');

describe(`quote thresholds, one pending request per deal, /撤回, and winning at the approved price (${testDriver()})`, () => {
  const t = useTestDb();
  const clock = createClock('2026-12-02T02:00:00Z');
  let chat: Chat;
  const count = async (table: string) => Number((await queryRows<{ n: number }>(t().db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);
  const newDeal = async (customer: string, phone: string, title: string, amount: string) => {
    await chat.say('郑销售', `/新客户 ${customer} ${phone}`);
    return /D-\d+/.exec((await chat.say('郑销售', `/新商机 ${customer} ${title} ${amount}`)).text)![0];
  };

  beforeAll(async () => {
    chat = createChat(t(), { now: clock.now });
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('钱财务', '/帮助', { role: 'finance' });
    await chat.say('孙技术', '/帮助', { role: 'tech' });
    await chat.say('周总监', '/帮助', { role: 'director' });
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    await chat.say('郑销售', '/帮助');
    await chat.say('冯销售', '/帮助');
    await chat.say('管理员', '/设置 上级 郑销售 吴经理');
  });

  it('sends exactly 5万 to the direct manager and anything over it to finance and tech', async () => {
    const a = await newDeal('杭州液压设备', '13100007777', '液压站', '5万');
    const exact = await chat.say('郑销售', `/报价 ${a} 5万`);
    expect(exact.text).toContain('审批人：直属上级 吴经理');
    expect(exact.text).not.toContain('财务');
    const b = await newDeal('嘉兴紧固件', '13100008888', '螺栓', '6万');
    const over = await chat.say('郑销售', `/报价 ${b} 50000.01`);
    expect(over.text).toContain('财务 钱财务');
    expect(over.text).toContain('技术 孙技术');
    expect((await chat.say('管理员', '/设置 审批')).text).toContain('金额 > ¥50,000.00');
    await chat.inbox('吴经理');
    await chat.inbox('钱财务');
    await chat.inbox('孙技术');
  });

  it('refuses a second request while one is pending, writing nothing, and /撤回 updates every copy of the card', async () => {
    const d = await newDeal('无锡轴承', '13100009999', '轴承年单', '8万');
    const first = await chat.say('郑销售', `/报价 ${d} 6万 8%`);
    const a = /A-\d+/.exec(first.text)![0];
    const copies = { 钱财务: cardOf(await chat.inbox('钱财务')), 孙技术: cardOf(await chat.inbox('孙技术')), 周总监: cardOf(await chat.inbox('周总监')) };

    const before = { quotes: await count('quotes'), requests: await count('approval_requests'), outbox: await count('outbox'), audit: await count('audit_log') };
    const second = await chat.say('郑销售', `/报价 ${d} 5.5万`);
    expect(second.text).toBe(`${d} 已有待审批的报价 ${a}（6万）。要改价请先 /撤回 ${a}`);
    // Only the reply itself reached the outbox.
    expect({ quotes: await count('quotes'), requests: await count('approval_requests'), outbox: await count('outbox'), audit: await count('audit_log') }).toEqual({
      ...before,
      outbox: before.outbox + 1,
    });

    // Only the requester may withdraw.
    expect((await chat.say('冯销售', `/撤回 ${a}`)).text).toContain('只有发起人 郑销售 可以撤回');
    expect((await chat.say('吴经理', `/withdraw ${a}`)).text).toContain('只有发起人');
    const [pending] = await t().db.select().from(approvalRequests).where(eq(approvalRequests.shortNo, Number(a.slice(2))));
    expect(pending!.status).toBe('pending');

    const withdrawn = await chat.say('郑销售', `/撤回 ${a}`);
    expect(withdrawn.text).toContain(`已撤回报价审批 ${a}`);
    expect(withdrawn.text).toContain('已通知审批人');
    const [request] = await t().db.select().from(approvalRequests).where(eq(approvalRequests.id, pending!.id));
    expect(request).toMatchObject({ status: 'cancelled' });
    expect(request!.closedAt).toEqual(clock.now());
    const [quote] = await t().db.select().from(quotes).where(eq(quotes.id, request!.quoteId));
    expect(quote!.status).toBe('withdrawn');
    const steps = await t().db.select().from(approvalSteps).where(eq(approvalSteps.requestId, request!.id));
    expect(steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'skipped']);
    const audit = await t().db.select().from(auditLog).where(eq(auditLog.action, 'approval.withdraw'));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ entityId: request!.id, before: { status: 'pending' }, after: { status: 'cancelled', quoteStatus: 'withdrawn' } });

    // Every approver's copy is updated in place (buttons gone, 已撤回) and each is told.
    for (const who of Object.keys(copies) as Array<keyof typeof copies>) {
      const entries = await chat.inbox(who);
      const updates = entries.filter((e) => e.kind === 'update');
      expect(updates, who).toHaveLength(1);
      const u = updates[0]!;
      if (u.kind !== 'update') throw new Error();
      expect(u.card.buttons).toHaveLength(0);
      expect(u.card.state).toBe('neutral');
      expect(u.card.footer).toContain('已撤回 · 郑销售');
      expect(plainText(u.card.body ?? '')).toContain('— 已撤回');
      expect(texts(entries)).toContain(`郑销售 撤回了报价审批 ${a}`);
    }
    // A click on the stale card, or a second /撤回, changes nothing.
    const click = await chat.click('钱财务', copies.钱财务.card.buttons.find((b) => b.action === 'approve')!, copies.钱财务.cardRef);
    expect(click.outcome.toast).toContain('已经撤回');
    expect((await chat.say('郑销售', `/撤回 ${a}`)).text).toContain('已经撤回，不能撤回');
    expect(await t().db.select().from(auditLog).where(eq(auditLog.action, 'approval.withdraw'))).toHaveLength(1);

    // The deal is free for a new price.
    expect((await chat.say('郑销售', `/报价 ${d} 5.5万 8%`)).text).toMatch(/已提交报价审批 A-\d+/);
    const view = await chat.say('郑销售', `/查看 ${d}`);
    expect(view.text).toContain('已撤回');
    expect(view.text).toContain('审批中');
  });

  it('wins a deal at the latest approved quote amount and says so', async () => {
    const d = await newDeal('常州电机', '13200001234', '电机改造', '12万');
    await chat.say('郑销售', `/跟进 ${d} 拜访采购 下一步:出报价`);
    const asked = await chat.say('郑销售', `/报价 ${d} 11.5万`);
    const a = /A-\d+/.exec(asked.text)![0];
    await chat.say('钱财务', `/批准 ${a}`);
    await chat.say('孙技术', `/批准 ${a}`);
    const won = await chat.say('郑销售', `/推进 ${d} 签约`);
    expect(won.text).toContain(`成交金额按已批准报价 ${a} 计：¥115,000.00（原商机金额 ¥120,000.00）`);
    expect(won.text).toContain('恭喜签约');
    const [deal] = await t().db.select().from(deals).where(eq(deals.title, '电机改造'));
    expect(deal).toMatchObject({ stage: 'won', amountFen: 11_500_000 });
    const [entry] = await t().db.select().from(auditLog).where(eq(auditLog.entityId, deal!.id)).orderBy(sql`${auditLog.id} desc`).limit(1);
    expect(entry).toMatchObject({ action: 'deal.stage', before: { stage: 'lead', amountFen: 12_000_000 }, after: { stage: 'won', amountFen: 11_500_000 } });
    expect((await chat.say('郑销售', `/修改 ${d} 金额 13万`)).text).toContain('已经签约，不能再改金额');
  });
});
