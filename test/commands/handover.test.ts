import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../bots/console/mailbox.js';
import type { Card } from '../../cards/model.js';
import { auditLog, customers, deals, followUps, handovers, users } from '../../src/db/schema/index.js';
import { runRulesTick } from '../../src/scheduler/rules-tick.js';
import { createChat, entryText, type Chat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const cardOf = (entries: MailboxEntry[]) => {
  const e = entries.find((x) => x.kind === 'message' && x.message.type === 'card');
  if (!e || e.kind !== 'message' || e.message.type !== 'card') throw new Error('no card received');
  return { card: e.message.card as Card, cardRef: e.cardRef };
};

// 2026-11-23 is a Monday; times are Asia/Shanghai (+08:00).
describe(`离职交接 handover (${testDriver()})`, () => {
  const t = useTestDb();
  let phone = 13700000000;

  async function userNamed(name: string) {
    const [u] = await t().db.select().from(users).where(eq(users.name, name));
    return u!;
  }

  /** An admin, a manager, a leaving rep with two customers (two open deals, one closed), a receiving rep. */
  async function team(chat: Chat, p: string) {
    await chat.say(`${p}管理员`, '/帮助', { role: 'admin' });
    await chat.say(`${p}经理`, '/帮助', { role: 'manager' });
    await chat.say(`${p}离职`, '/帮助');
    await chat.say(`${p}接手`, '/帮助');
    await chat.say(`${p}旁人`, '/帮助');
    await chat.say(`${p}管理员`, `/设置 上级 ${p}离职 ${p}经理`);
    await chat.say(`${p}管理员`, `/设置 上级 ${p}接手 ${p}经理`);
    await chat.say(`${p}离职`, `/新客户 ${p}精密铸造 ${++phone}`);
    await chat.say(`${p}离职`, `/新客户 ${p}五金机械 ${++phone}`);
    const d1 = /D-\d+/.exec((await chat.say(`${p}离职`, `/新商机 ${p}精密铸造 铸件模具 8万`)).text)![0];
    const d2 = /D-\d+/.exec((await chat.say(`${p}离职`, `/新商机 ${p}五金机械 数控改造 5万`)).text)![0];
    const d3 = /D-\d+/.exec((await chat.say(`${p}离职`, `/新商机 ${p}五金机械 旧订单 1万`)).text)![0];
    expect((await chat.say(`${p}离职`, `/跟进 ${d1} 拜访了采购 下一步:寄样`)).text).toContain('已记录');
    expect((await chat.say(`${p}离职`, `/输单 ${d3} 价格太高`)).text).not.toContain('没有');
    // The receiver already has a customer of their own.
    await chat.say(`${p}接手`, `/新客户 ${p}自有客户 ${++phone}`);
    for (const u of [`${p}管理员`, `${p}经理`, `${p}离职`, `${p}接手`, `${p}旁人`]) await chat.inbox(u);
    return { d1, d2, d3 };
  }

  it('hands a leaver over: deactivate, card to the receiver, confirm by click moves customers and deals', async () => {
    const chat = createChat(t());
    const { d1 } = await team(chat, '甲');
    const leaver = await userNamed('甲离职');
    const receiver = await userNamed('甲接手');

    const started = await chat.say('甲经理', '/交接 甲离职 甲接手', { eventKey: 'handover-start-1' });
    expect(started.text).toMatch(/已发起离职交接 H-[0-9A-F]{8}/);
    expect(started.text).toContain('客户 2 个、进行中商机 2 个');
    const no = /H-[0-9A-F]{8}/.exec(started.text)![0];

    // The platform redelivers the same message: nothing changes, no second reply.
    const replay = await chat.say('甲经理', '/交接 甲离职 甲接手', { eventKey: 'handover-start-1' });
    expect(replay.entries).toHaveLength(0);
    // A new message for the same leaver while pending: already pending.
    expect((await chat.say('甲经理', '/交接 甲离职 甲接手')).text).toContain('已在进行中');
    const rows = await t().db.select().from(handovers).where(eq(handovers.fromUserId, leaver.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'pending', toUserId: receiver.id });

    expect((await userNamed('甲离职')).active).toBe(false);
    const pooled = await t().db.select().from(customers).where(eq(customers.handoverId, rows[0]!.id));
    expect(pooled).toHaveLength(2);
    expect(pooled.every((c) => c.ownerId === leaver.id)).toBe(true);

    // The leaver can no longer act.
    const blocked = await chat.say('甲离职', `/跟进 ${d1} 还想再跟一下`);
    expect(blocked.text).toContain('账号已停用');

    const { card, cardRef } = cardOf(await chat.inbox('甲接手'));
    expect(card.kind).toBe('handover');
    expect(card.title).toContain(no);
    expect(card.fields).toEqual(expect.arrayContaining([{ label: '客户', value: '2 个' }, { label: '进行中商机', value: '2 个' }]));
    const accept = card.buttons.find((b) => b.action === 'confirm_handover')!;
    expect(accept.label).toBe('接收');
    expect(accept.command).toBe(`/接收交接 ${no}`);

    // A stranger clicking a forwarded card changes nothing.
    const stranger = await chat.click('甲旁人', accept, cardRef);
    expect(stranger.outcome.toast).toContain('只有接手人本人');
    expect((await t().db.select().from(handovers).where(eq(handovers.id, rows[0]!.id)))[0]!.status).toBe('pending');

    const confirmed = await chat.click('甲接手', accept, cardRef);
    expect(confirmed.outcome.toast).toContain('已接收');
    expect(confirmed.outcome.card?.buttons).toHaveLength(0);
    expect(confirmed.outcome.card?.footer).toContain('已接收');
    expect(confirmed.text).toContain('2 个客户、3 个商机（其中 2 个进行中）');

    const [h] = await t().db.select().from(handovers).where(eq(handovers.id, rows[0]!.id));
    expect(h!.status).toBe('confirmed');
    expect(h!.confirmedAt).not.toBeNull();
    const ids = pooled.map((c) => c.id);
    const after = await t().db.select().from(customers).where(inArray(customers.id, ids));
    expect(after.every((c) => c.ownerId === receiver.id && c.handoverId === null)).toBe(true);
    const theirDeals = await t().db.select().from(deals).where(inArray(deals.customerId, ids));
    expect(theirDeals).toHaveLength(3);
    expect(theirDeals.every((d) => d.ownerId === receiver.id)).toBe(true);
    expect(await t().db.select().from(deals).where(eq(deals.ownerId, leaver.id))).toHaveLength(0);
    expect(await t().db.select().from(customers).where(eq(customers.ownerId, receiver.id))).toHaveLength(3);

    // History stays the leaver's, and the receiver can see it now.
    const history = await t().db.select().from(followUps).where(inArray(followUps.customerId, ids));
    expect(history.length).toBeGreaterThan(0);
    expect(history.every((f) => f.authorId === leaver.id)).toBe(true);
    const shown = await chat.say('甲接手', `/查看 ${d1}`);
    expect(shown.text).toContain('甲精密铸造');
    expect(shown.text).toContain('拜访了采购');

    const audit = await t().db.select().from(auditLog).where(eq(auditLog.entityId, h!.id));
    expect(audit.map((a) => a.action).sort()).toEqual(['handover.confirm', 'handover.create']);
    const deactivated = await t().db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'user.deactivate'), eq(auditLog.entityId, leaver.id)));
    expect(deactivated).toHaveLength(1);

    // The manager hears about it.
    expect((await chat.inbox('甲经理')).map(entryText).join('\n')).toContain('甲接手 已接收 甲离职 的离职交接');

    // A second confirm, by click or typed, says it is done and changes nothing.
    const again = await chat.click('甲接手', accept, cardRef);
    expect(again.outcome.toast).toContain('已经接收过了');
    expect((await chat.say('甲接手', `/接收交接 ${no}`)).text).toContain('已经接收过了');
    expect(await t().db.select().from(auditLog).where(and(eq(auditLog.entityId, h!.id), eq(auditLog.action, 'handover.confirm')))).toHaveLength(1);
  });

  it('refuses reps, unknown people, self-handover and an inactive receiver; typed confirm works for the receiver only', async () => {
    const chat = createChat(t());
    await team(chat, '乙');
    const refused = await chat.say('乙旁人', '/交接 乙离职 乙接手');
    expect(refused.text).toContain('只有 乙离职 的上级经理、销售总监或管理员可以发起离职交接');
    expect((await chat.say('乙经理', '/交接 乙查无此人 乙接手')).text).toContain('没有找到离职人「乙查无此人」');
    expect((await chat.say('乙经理', '/交接 乙离职 乙查无此人')).text).toContain('没有找到接手人「乙查无此人」');
    expect((await chat.say('乙经理', '/交接 乙离职 乙离职')).text).toContain('不能是同一个人');
    expect((await chat.say('乙经理', '/交接 乙离职')).text).toContain('用法：/交接');
    // A manager who is not the leaver's: refused too.
    await chat.say('乙别组经理', '/帮助', { role: 'manager' });
    expect((await chat.say('乙别组经理', '/交接 乙离职 乙接手')).text).toContain('只有 乙离职 的上级经理');
    expect(await t().db.select().from(handovers).where(eq(handovers.fromUserId, (await userNamed('乙离职')).id))).toHaveLength(0);
    expect((await userNamed('乙离职')).active).toBe(true);

    // Admin hands 乙旁人 to 乙接手; then 乙旁人 (inactive) cannot receive 乙离职's customers.
    const s = await chat.say('乙管理员', '/交接 乙旁人 乙接手');
    expect(s.text).toContain('客户 0 个');
    const strangerNo = /H-[0-9A-F]{8}/.exec(s.text)![0];
    expect((await chat.say('乙经理', '/交接 乙离职 乙旁人')).text).toContain('账号已停用');

    const started = await chat.say('乙经理', '/交接 乙离职 乙接手');
    const no = /H-[0-9A-F]{8}/.exec(started.text)![0];
    expect((await chat.say('乙经理', `/接收交接 ${no}`)).text).toContain('只有接手人本人');
    expect((await chat.say('乙接手', '/接收交接')).text).toContain(`你有 2 个待接收的交接`);
    expect((await chat.say('乙接手', '/接收交接 H-00000000')).text).toContain('没有找到交接');
    expect((await chat.say('乙接手', `/接收交接 ${no.toLowerCase()}`)).text).toContain('2 个客户、3 个商机');
    expect((await chat.say('乙接手', '/接收交接')).text).toContain('已接收 乙旁人 的离职交接');
    expect((await chat.say('乙接手', `/接收交接 ${strangerNo}`)).text).toContain('已经接收过了');
  });

  it('reminds the manager once a day outside quiet hours, and says overdue after 30 days', async () => {
    const clock = createClock('2026-11-23T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    await team(chat, '丙');
    await chat.say('丙管理员', '/交接 丙离职 丙接手');
    await chat.inbox('丙经理');
    const reminders = async () => (await chat.inbox('丙经理')).map(entryText).filter((x) => x.includes('丙离职 的离职交接'));

    await runRulesTick(t().db, clock.now());
    expect(await reminders()).toHaveLength(0); // not on the day it started

    clock.set('2026-11-24T07:30:00+08:00'); // quiet hours
    await runRulesTick(t().db, clock.now());
    expect(await reminders()).toHaveLength(0);
    clock.set('2026-11-24T09:00:00+08:00');
    await runRulesTick(t().db, clock.now());
    const first = await reminders();
    expect(first).toHaveLength(1);
    expect(first[0]).toContain('已等待 1 天');
    await runRulesTick(t().db, clock.now());
    clock.set('2026-11-24T15:00:00+08:00');
    await runRulesTick(t().db, clock.now());
    expect(await reminders()).toHaveLength(0); // once per day

    clock.set('2026-12-23T10:00:00+08:00'); // Wednesday, 30 days later
    await runRulesTick(t().db, clock.now());
    const overdue = await reminders();
    expect(overdue).toHaveLength(1);
    expect(overdue[0]).toContain('已超过 30 天过渡期');

    await chat.say('丙接手', '/接收交接');
    await chat.inbox('丙经理');
    clock.set('2026-12-24T10:00:00+08:00');
    await runRulesTick(t().db, clock.now());
    expect(await reminders()).toHaveLength(0);
  });
});
