// Steps never strand (#17.3): deactivating an approver (admin API, /交接) moves their pending steps to their
// manager, or to the handover's receiver when the tenant chose that, never to the requester; every copy of the
// card shows the new approver, the new approver gets the card, and each move is audited.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../bots/console/mailbox.js';
import { plainText } from '../../cards/markup.js';
import type { Card } from '../../cards/model.js';
import { approvalRequests, approvalSteps, auditLog, users } from '../../src/db/schema/index.js';
import { adminApi } from '../../src/server/admin-api.js';
import { buildApp } from '../../src/server/app.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const TOKEN = 'test-admin-token-0123456789';

const cardIn = (entries: MailboxEntry[]) => {
  const e = entries.find((x) => x.kind === 'message' && x.message.type === 'card');
  if (!e || e.kind !== 'message' || e.message.type !== 'card') throw new Error('no card received');
  return { card: e.message.card as Card, cardRef: e.cardRef };
};
const updatesIn = (entries: MailboxEntry[]) => entries.flatMap((e) => (e.kind === 'update' ? [e.card] : []));

describe(`a deactivated approver's pending steps move on (${testDriver()})`, () => {
  const t = useTestDb();
  let chat: Chat;
  const user = async (name: string) => (await t().db.select().from(users).where(eq(users.name, name)))[0]!;
  const stepsOf = async (approval: string) => {
    const [r] = await t().db.select().from(approvalRequests).where(eq(approvalRequests.shortNo, Number(approval.slice(2))));
    return t().db.select().from(approvalSteps).where(eq(approvalSteps.requestId, r!.id));
  };
  const quote = async (rep: string, customer: string, amount: string) => {
    await chat.say(rep, `/新客户 ${customer} 1310000${String(Math.floor(Math.random() * 9000) + 1000)}`);
    const deal = /D-\d+/.exec((await chat.say(rep, `/新商机 ${customer} 年度采购 ${amount}`)).text)![0];
    const asked = (await chat.say(rep, `/报价 ${deal} ${amount}`)).text;
    const a = /A-\d+/.exec(asked);
    if (!a) throw new Error(asked);
    return a[0];
  };

  beforeAll(async () => {
    chat = createChat(t());
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('陈总', '/帮助', { role: 'director' });
    await chat.say('钱财务', '/帮助', { role: 'finance' });
    await chat.say('孙技术', '/帮助', { role: 'tech' });
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    await chat.say('郑销售', '/帮助');
    await chat.say('王销售', '/帮助');
    for (const [who, manager] of [['郑销售', '吴经理'], ['王销售', '吴经理'], ['吴经理', '陈总'], ['钱财务', '陈总'], ['孙技术', '陈总']]) {
      expect((await chat.say('管理员', `/设置 上级 ${who} ${manager}`)).text).toContain('已把');
    }
    for (const who of ['管理员', '陈总', '钱财务', '孙技术', '吴经理', '郑销售', '王销售']) await chat.inbox(who);
  });

  it('admin API deactivation: the finance step goes to the leaver\'s manager, who gets the card; every copy shows it; audited', async () => {
    const approval = await quote('郑销售', '杭州液压设备', '6万');
    await chat.inbox('钱财务');
    const techCard = cardIn(await chat.inbox('孙技术'));
    const finance = await user('钱财务');
    const app = await buildApp({ db: t().db, adapters: [], dispatch: async () => ({}), logLevel: 'silent', plugins: [adminApi(t().db, TOKEN)] });
    const res = await app.inject({ method: 'PATCH', url: `/admin/api/users/${finance.id}`, headers: { authorization: `Bearer ${TOKEN}` }, payload: { active: false } });
    await app.close();
    expect(res.statusCode).toBe(200);

    const steps = await stepsOf(approval);
    const moved = steps.find((s) => s.role === 'finance')!;
    expect(moved).toMatchObject({ approverId: (await user('陈总')).id, reassignedFromId: finance.id, status: 'pending' });
    expect(steps.find((s) => s.role === 'tech')!.approverId).toBe((await user('孙技术')).id);
    const told = cardIn(await chat.inbox('陈总'));
    expect(plainText(told.card.body!)).toContain('钱财务 已停用，本步改由 陈总 审批');
    expect(told.card.buttons.map((b) => b.action)).toEqual(['approve', 'reject']);
    const techSaw = updatesIn(await chat.inbox('孙技术'));
    expect(techSaw).toHaveLength(1);
    expect(plainText(techSaw[0]!.body!)).toContain('财务 陈总：⏳ 待审批');
    const audit = await t().db.select().from(auditLog).where(eq(auditLog.action, 'approval.step.reassign'));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ entityId: moved.id, actorId: null, before: { approverId: finance.id }, after: { approverId: (await user('陈总')).id, reason: 'deactivate', rule: 'manager' } });

    // The request can close now: the new approver decides, tech decides, the rep hears.
    expect((await chat.click('陈总', told.card.buttons[0]!, told.cardRef)).outcome.toast).toContain('还在等');
    expect((await chat.click('孙技术', techCard.card.buttons[0]!, techCard.cardRef)).outcome.toast).toContain('已全部通过');
  });

  it('/交接 with the default rule: the leaver\'s steps go to their manager, not the receiver', async () => {
    await chat.say('冯财务', '/帮助', { role: 'finance' }); // 钱财务 has left
    const approval = await quote('王销售', '嘉兴紧固件', '7万');
    await chat.inbox('孙技术');
    await chat.inbox('陈总');
    const started = await chat.say('管理员', '/交接 孙技术 王销售');
    expect(started.text).toMatch(/已发起离职交接/);
    const steps = await stepsOf(approval);
    expect(steps.find((s) => s.role === 'tech')).toMatchObject({ approverId: (await user('陈总')).id, reassignedFromId: (await user('孙技术')).id });
    expect(plainText(cardIn(await chat.inbox('陈总')).card.body!)).toContain('孙技术 已停用，本步改由 陈总 审批');
    expect((await chat.inbox('王销售')).some((e) => e.kind === 'message' && e.message.type === 'card' && e.message.card.kind === 'approval')).toBe(false);
  });

  it('/交接 with 转交 接手人: steps go to the receiver, except the receiver\'s own request, which goes above them', async () => {
    expect((await chat.say('管理员', '/设置 审批 转交 接手人')).text).toContain('转给：交接的接手人');
    const other = await quote('王销售', '宁波阀门', '2万');
    const own = await quote('郑销售', '温州泵业', '2万');
    expect((await stepsOf(own))[0]!.approverId).toBe((await user('吴经理')).id);
    await chat.inbox('郑销售');
    await chat.inbox('陈总');
    expect((await chat.say('管理员', '/交接 吴经理 郑销售')).text).toMatch(/已发起离职交接/);

    expect((await stepsOf(other))[0]).toMatchObject({ approverId: (await user('郑销售')).id, reassignedFromId: (await user('吴经理')).id });
    const ownStep = (await stepsOf(own))[0]!;
    // 郑销售 requested it: never their own approver. Their manager left, so up the line to 陈总.
    expect(ownStep).toMatchObject({ approverId: (await user('陈总')).id, reassignedFromId: (await user('吴经理')).id, reroutedFromId: (await user('郑销售')).id });
    const toDirector = cardIn(await chat.inbox('陈总'));
    expect(plainText(toDirector.card.body!)).toContain('郑销售 是申请人，本步改由 陈总 审批');
    const receiverCards = (await chat.inbox('郑销售')).filter((e) => e.kind === 'message' && e.message.type === 'card' && e.message.card.kind === 'approval');
    expect(receiverCards).toHaveLength(1);
    expect(receiverCards[0]!.kind === 'message' && receiverCards[0]!.message.type === 'card' && receiverCards[0]!.message.card.title).toContain(other);
    const audit = await t().db.select().from(auditLog).where(eq(auditLog.action, 'approval.step.reassign'));
    expect(audit.filter((a) => (a.after as { reason: string }).reason === 'handover')).toHaveLength(3);
  });
});
