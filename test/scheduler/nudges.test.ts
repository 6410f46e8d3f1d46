import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { deals, nudges, outbox } from '../../src/db/schema/index.js';
import { runRulesTick } from '../../src/scheduler/rules-tick.js';
import { createChat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

// 2026-11-23 is a Monday; times are Asia/Shanghai (+08:00).
describe(`nudges, escalations and alerts with a controllable clock (${testDriver()})`, () => {
  const t = useTestDb();

  async function setup(clockStart: string, prefix: string) {
    const clock = createClock(clockStart);
    const chat = createChat(t(), { now: clock.now });
    await chat.say(`${prefix}经理`, '/帮助', { role: 'manager' });
    await chat.say(`${prefix}管理员`, '/帮助', { role: 'admin' });
    await chat.say(`${prefix}销售`, '/帮助');
    await chat.say(`${prefix}管理员`, `/设置 上级 ${prefix}销售 ${prefix}经理`);
    await chat.say(`${prefix}销售`, `/新客户 ${prefix}阀门制造 1${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
    const dealId = /D-\d+/.exec((await chat.say(`${prefix}销售`, `/新商机 ${prefix}阀门制造 闸阀 3万`)).text)![0];
    await chat.say(`${prefix}销售`, `/跟进 ${dealId} 电话联系了采购`);
    return { clock, chat, dealId, rep: `${prefix}销售`, manager: `${prefix}经理` };
  }

  it('nudges after 48 silent hours once, escalates 24 hours later, and a follow-up starts a new episode', async () => {
    const { clock, chat, dealId, rep, manager } = await setup('2026-11-23T10:00:00+08:00', '甲');
    clock.set('2026-11-25T09:59:00+08:00');
    await runRulesTick(t().db, clock.now());
    expect(await chat.inbox(rep)).toHaveLength(0);

    clock.set('2026-11-25T10:01:00+08:00');
    await runRulesTick(t().db, clock.now());
    const nudge = await chat.inbox(rep);
    expect(nudge).toHaveLength(1);
    const e = nudge[0]!;
    if (e.kind !== 'message' || e.message.type !== 'card') throw new Error('expected a nudge card');
    expect(e.message.card.title).toContain(dealId);
    expect(e.message.card.buttons.map((b) => b.action)).toEqual(['log', 'snooze', 'lost']);
    await runRulesTick(t().db, clock.now());
    expect(await chat.inbox(rep)).toHaveLength(0);

    clock.set('2026-11-26T10:00:00+08:00');
    await runRulesTick(t().db, clock.now());
    expect(await chat.inbox(manager)).toHaveLength(0);
    clock.set('2026-11-26T10:02:00+08:00');
    await runRulesTick(t().db, clock.now());
    const escalated = await chat.inbox(manager);
    expect(escalated).toHaveLength(1);
    await runRulesTick(t().db, clock.now());
    expect(await chat.inbox(manager)).toHaveLength(0);

    // A follow-up ends the episode; the next silence starts a new one.
    await chat.say(rep, `/跟进 ${dealId} 上门拜访`);
    clock.set('2026-11-28T10:03:00+08:00'); // Saturday: quiet all day; the nudge waits for Monday's working hours
    await runRulesTick(t().db, clock.now());
    const queued = await t().db.select().from(outbox).where(eq(outbox.status, 'pending'));
    expect(queued).toHaveLength(1);
    expect(queued[0]!.nextAttemptAt.toISOString()).toBe(new Date('2026-11-30T09:00:00+08:00').toISOString());
    const [deal] = await t().db.select().from(deals).where(eq(deals.shortNo, Number(dealId.slice(2))));
    expect(await t().db.select().from(nudges).where(eq(nudges.subjectId, deal!.id))).toHaveLength(2);
  });

  it('moves the escalation clock once with a snooze', async () => {
    const { clock, chat, dealId, rep, manager } = await setup('2026-11-23T10:00:00+08:00', '乙');
    clock.set('2026-11-25T11:00:00+08:00');
    await runRulesTick(t().db, clock.now());
    expect(await chat.inbox(rep)).toHaveLength(1);
    expect((await chat.say(rep, `/推迟 ${dealId}`)).text).toContain('推迟到 11-26 11:00');
    expect((await chat.say(rep, `/推迟 ${dealId}`)).text).toContain('已经推迟过一次');
    clock.set('2026-11-26T12:00:00+08:00');
    await runRulesTick(t().db, clock.now());
    expect(await chat.inbox(manager)).toHaveLength(0);
    clock.set('2026-11-27T11:01:00+08:00');
    await runRulesTick(t().db, clock.now());
    expect(await chat.inbox(manager)).toHaveLength(1);
  });

  it('sends one nudge when two schedulers tick at the same moment', async () => {
    const { clock, chat, rep } = await setup('2026-11-23T10:00:00+08:00', '丙');
    clock.set('2026-11-25T14:00:00+08:00');
    const [a, b] = await Promise.all([runRulesTick(t().db, clock.now()), runRulesTick(t().db, clock.now())]);
    expect(a.overdue + b.overdue).toBeGreaterThanOrEqual(1);
    const mine = await chat.inbox(rep);
    expect(mine).toHaveLength(1);
    const dups = await queryRows<{ n: number }>(t().db, sql`select count(*)::int as n from nudges group by subject_id, kind, episode having count(*) > 1`);
    expect(dups).toHaveLength(0);
  });

  it('reminds a pending approver once after 8 working hours, counting only working hours', async () => {
    const clock = createClock('2026-11-27T17:00:00+08:00'); // Friday 17:00
    const chat = createChat(t(), { now: clock.now });
    await chat.say('丁经理', '/帮助', { role: 'manager' });
    await chat.say('丁管理员', '/帮助', { role: 'admin' });
    await chat.say('丁销售', '/帮助');
    await chat.say('丁管理员', '/设置 上级 丁销售 丁经理');
    await chat.say('丁销售', '/新客户 丁字钢结构 15900001111');
    const d = /D-\d+/.exec((await chat.say('丁销售', '/新商机 丁字钢结构 钢梁 1万')).text)![0];
    await chat.say('丁销售', `/报价 ${d} 1万`);
    await chat.inbox('丁经理');
    clock.set('2026-11-30T15:59:00+08:00'); // Fri 17–18 (1 h) + Mon 9–15:59 (6.98 h)
    await runRulesTick(t().db, clock.now());
    const texts = async () => (await chat.inbox('丁经理')).map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join('\n');
    // (The new-lead alert for the uncontacted deal also reaches the manager; only the reminder matters here.)
    expect(await texts()).not.toContain('审批提醒');
    clock.set('2026-11-30T16:01:00+08:00');
    await runRulesTick(t().db, clock.now());
    expect(await texts()).toContain('审批提醒');
    await runRulesTick(t().db, clock.now());
    expect(await texts()).not.toContain('审批提醒');
  });
});
