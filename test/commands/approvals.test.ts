import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../bots/console/mailbox.js';
import type { Card } from '../../cards/model.js';
import { approvalRequests, approvalSteps, auditLog, quotes, sentCards } from '../../src/db/schema/index.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const cardOf = (entries: MailboxEntry[]) => {
  const e = entries.find((x) => x.kind === 'message' && x.message.type === 'card');
  if (!e || e.kind !== 'message' || e.message.type !== 'card') throw new Error('no card received');
  return { card: e.message.card as Card, cardRef: e.cardRef };
};

describe(`quote approval from cards (${testDriver()})`, () => {
  const t = useTestDb();
  let chat: Chat;
  let dealId: string;

  beforeAll(async () => {
    chat = createChat(t());
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('钱财务', '/帮助', { role: 'finance' });
    await chat.say('孙技术', '/帮助', { role: 'tech' });
    await chat.say('周总监', '/帮助', { role: 'director' });
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    await chat.say('郑销售', '/帮助');
    expect((await chat.say('管理员', '/设置 上级 郑销售 吴经理')).text).toContain('已把 郑销售 的上级设为 吴经理');
    await chat.say('郑销售', '/新客户 杭州液压设备 13100007777');
    dealId = /D-\d+/.exec((await chat.say('郑销售', '/新商机 杭州液压 液压站改造 6万')).text)![0];
  });

  it('routes 60,000 at 8% to finance, tech and director; strangers and double clicks change nothing', async () => {
    const asked = await chat.say('郑销售', `/报价 ${dealId} 6万 8% 老客户返单`);
    expect(asked.text).toMatch(/已提交报价审批 A-\d+/);
    expect(asked.text).toContain('财务 钱财务');
    expect(asked.text).toContain('技术 孙技术');
    expect(asked.text).toContain('销售总监 周总监');
    const approvalId = /A-\d+/.exec(asked.text)![0];

    const finance = cardOf(await chat.inbox('钱财务'));
    const tech = cardOf(await chat.inbox('孙技术'));
    const director = cardOf(await chat.inbox('周总监'));
    expect(await chat.inbox('吴经理')).toHaveLength(0);
    expect(finance.card.title).toContain('报价审批');
    const approve = finance.card.buttons.find((b) => b.action === 'approve')!;
    expect(finance.card.buttons.map((b) => b.action)).toEqual(['approve', 'reject']);

    // A stranger clicking a forwarded card (the identity is the clicker, not the card) changes nothing.
    const stranger = await chat.click('吴经理', approve, finance.cardRef);
    expect(stranger.outcome.toast).toContain('你不是审批');
    const steps = async () => t().db.select().from(approvalSteps);
    expect((await steps()).every((s) => s.status === 'pending')).toBe(true);

    const first = await chat.click('钱财务', approve, finance.cardRef);
    expect(first.outcome.toast).toContain('还在等');
    const twice = await chat.click('钱财务', approve, finance.cardRef);
    expect(twice.outcome.toast).toContain('已经处理过');
    expect((await steps()).filter((s) => s.status === 'approved')).toHaveLength(1);
    // The same click delivered twice by the platform: one effect.
    const techApprove = tech.card.buttons.find((b) => b.action === 'approve')!;
    await chat.click('孙技术', techApprove, tech.cardRef, { eventKey: 'tech-click' });
    const replay = await chat.click('孙技术', techApprove, tech.cardRef, { eventKey: 'tech-click' });
    expect(replay.entries).toHaveLength(0);
    expect(await t().db.select().from(auditLog).where(eq(auditLog.action, 'approval.approved'))).toHaveLength(2);

    const last = await chat.click('周总监', director.card.buttons.find((b) => b.action === 'approve')!, director.cardRef);
    expect(last.outcome.toast).toContain('已全部通过');
    expect(last.outcome.card?.buttons).toHaveLength(0);

    const [request] = await t().db.select().from(approvalRequests);
    expect(request!.status).toBe('approved');
    const [quote] = await t().db.select().from(quotes);
    expect(quote).toMatchObject({ status: 'approved', amountFen: 6_000_000, discountBp: 800, note: '老客户返单' });

    // Every copy of the card is updated in place to the final state.
    const copies = await t().db.select().from(sentCards).where(eq(sentCards.subjectId, request!.id));
    expect(copies).toHaveLength(3);
    // The clicker's own mailbox was read by the click itself.
    const inboxes: Record<string, MailboxEntry[]> = { 周总监: last.entries };
    for (const who of ['钱财务', '孙技术', '周总监']) {
      const updates = (inboxes[who] ?? (await chat.inbox(who))).filter((e) => e.kind === 'update');
      // Progress updates came first (services/approvals.ts); the last one is the final state.
      expect(updates.length, who).toBeGreaterThanOrEqual(1);
      expect(updates.slice(0, -1).every((e) => e.kind === 'update' && e.card.state === 'pending'), who).toBe(true);
      const u = updates.at(-1)!;
      if (u.kind !== 'update') throw new Error();
      expect(u.card.buttons).toHaveLength(0);
      expect(u.card.state).toBe('success');
    }
    // The rep is told, and the approved quote satisfies the 签约 criterion.
    const told = await chat.inbox('郑销售');
    expect(told.map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join()).toContain(`${approvalId} 已通过`);
    await chat.say('郑销售', `/跟进 ${dealId} 拜访 下一步:签合同`);
    expect((await chat.say('郑销售', `/推进 ${dealId} 签约`)).text).toContain('恭喜签约');
  });

  it('rejects with a reason, skips the other steps, and tells the rep', async () => {
    await chat.say('郑销售', '/新客户 嘉兴紧固件 13100008888');
    const d = /D-\d+/.exec((await chat.say('郑销售', '/新商机 嘉兴紧固件 螺栓年单 2万')).text)![0];
    const asked = await chat.say('郑销售', `/quote ${d} 20000`);
    expect(asked.text).toContain('直属上级 吴经理');
    const a = /A-\d+/.exec(asked.text)![0];
    expect((await chat.say('吴经理', `/驳回 ${a}`)).text).toContain('驳回需要写原因');
    expect((await chat.say('郑销售', `/批准 ${a}`)).text).toContain(`审批 ${a} 是你发起的，不能自己审批`);
    expect((await chat.say('周总监', `/批准 ${a}`)).text).toContain(`你不是审批 ${a} 的审批人`);
    // Said once: "已驳回 A-2，已通知 …", not "已驳回 A-2，审批已驳回，…".
    const rejected = (await chat.say('吴经理', `/驳回 ${a} 价格太低`)).text;
    expect(rejected.split('\n')).toContain(`已驳回 ${a}，已通知 郑销售。`);
    expect(rejected).not.toContain('审批已驳回');
    expect((await chat.say('吴经理', `/批准 ${a}`)).text).toContain('已经驳回');
    const told = (await chat.inbox('郑销售')).map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : ''));
    expect(told.join()).toContain('价格太低');
  });

  it('refuses clearly when no approver exists for a role, and alerts the admins', async () => {
    await chat.say('新人', '/新客户 无锡轴承 13100009999');
    const d = /D-\d+/.exec((await chat.say('新人', '/新商机 无锡轴承 轴承 1万')).text)![0];
    const asked = await chat.say('新人', `/报价 ${d} 1万`);
    expect(asked.text).toContain('还没有「直属上级」审批人');
    const alert = (await chat.inbox('管理员')).map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : ''));
    expect(alert.join()).toContain('审批配置缺失');
    const [deal] = await t().db.select().from(quotes).where(eq(quotes.amountFen, 1_000_000));
    expect(deal).toBeUndefined();
  });

  it('lets only admins change thresholds, and the new rules route the next quote', async () => {
    expect((await chat.say('郑销售', '/设置 审批 8万')).text).toContain('只有管理员');
    const changed = await chat.say('管理员', '/设置 审批 8万 10%');
    expect(changed.text).toContain('¥80,000.00');
    expect(changed.text).toContain('折扣 > 10%');
    await chat.say('郑销售', '/新客户 常州电机 13200001234');
    const d = /D-\d+/.exec((await chat.say('郑销售', '/新商机 常州电机 电机 7万')).text)![0];
    const asked = await chat.say('郑销售', `/报价 ${d} 7万 8%`);
    expect(asked.text).toContain('直属上级 吴经理');
    expect(asked.text).not.toContain('财务');
  });
});
