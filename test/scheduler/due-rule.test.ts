import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { deals, outbox, teams, users } from '../../src/db/schema/index.js';
import { dealsCsv } from '../../src/export/customers.js';
import { runDailyDigests } from '../../src/scheduler/daily-digest.js';
import { runRulesTick } from '../../src/scheduler/rules-tick.js';
import { buildTeamDigest } from '../../src/services/digests.js';
import { createChat, entryText } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

// 2026-12-02 is a Wednesday; 下周一 is 12-07 (09:00 when no time is given). Times are Asia/Shanghai.
describe(`the one follow-up due rule (${testDriver()})`, () => {
  const t = useTestDb();
  let n = 0;

  async function setup(prefix: string, start = '2026-12-02T10:00:00+08:00') {
    const clock = createClock(start);
    const chat = createChat(t(), { now: clock.now });
    const rep = `${prefix}销售`;
    const manager = `${prefix}经理`;
    const admin = `${prefix}管理员`;
    await chat.say(manager, '/帮助', { role: 'manager' });
    await chat.say(admin, '/帮助', { role: 'admin' });
    await chat.say(rep, '/帮助');
    await chat.say(admin, `/设置 上级 ${rep} ${manager}`);
    await chat.say(rep, `/新客户 ${prefix}机械厂 1390000${String(++n).padStart(4, '0')}`);
    const dealId = /D-\d+/.exec((await chat.say(rep, `/新商机 ${prefix}机械厂 齿轮箱 8万`)).text)![0];
    const tick = async (iso: string) => {
      clock.set(iso);
      await runRulesTick(t().db, clock.now());
    };
    const texts = async (who: string) => (await chat.inbox(who)).map(entryText).join('\n');
    return { clock, chat, dealId, rep, manager, admin, tick, texts };
  }

  it('a rep who keeps the agreed date is neither nudged nor reported', async () => {
    const { chat, dealId, rep, manager, tick, texts } = await setup('守');
    await chat.say(rep, `/跟进 ${dealId} 电话沟通了参数 下次:下周一`);
    await tick('2026-12-04T11:00:00+08:00'); // Friday, 49 h after the follow-up
    expect(await texts(rep)).toBe('');
    const todo = (await chat.say(rep, '/待办')).text;
    expect(todo).not.toContain(dealId); // due Monday, beyond today's horizon
    await tick('2026-12-07T08:00:00+08:00'); // Monday 08:00, before the agreed time
    expect(await texts(manager)).toBe('');
    expect(await texts(rep)).toBe('');
    const monday = (await chat.say(rep, '/待办')).text;
    expect(monday).toContain(`${dealId}`);
    expect(monday).toContain('约定 12-07 09:00 联系');
    expect(monday).not.toContain('⚠️');
    await chat.say(rep, `/跟进 ${dealId} 按约定回访，客户确认下单意向`);
    await tick('2026-12-07T09:01:00+08:00');
    await tick('2026-12-08T10:00:00+08:00');
    expect(await texts(rep)).toBe('');
    expect(await texts(manager)).toBe('');
  });

  it('a rep who misses the agreed date is nudged then, and escalated the grace period later', async () => {
    const { chat, dealId, rep, manager, tick, texts } = await setup('破');
    await chat.say(rep, `/跟进 ${dealId} 电话沟通了参数 下次:下周一`);
    await tick('2026-12-07T08:59:00+08:00');
    expect(await texts(rep)).toBe('');
    await tick('2026-12-07T09:00:00+08:00');
    const nudge = await texts(rep);
    expect(nudge).toContain(`${dealId} 约定 12-07 09:00 联系，还没有跟进`);
    expect((await chat.say(rep, '/待办')).text).toContain(`⚠️ 逾期 ${dealId}`);
    await tick('2026-12-08T08:59:00+08:00');
    expect(await texts(manager)).toBe('');
    await tick('2026-12-08T09:00:00+08:00');
    expect(await texts(manager)).toContain('升级提醒');
    await tick('2026-12-08T09:30:00+08:00');
    expect(await texts(manager)).toBe('');
  });

  it('a rep without a plan is nudged after the silence window; /查看 shows the reason', async () => {
    const { chat, dealId, rep, tick, texts } = await setup('无');
    await chat.say(rep, `/跟进 ${dealId} 电话联系了采购`);
    await tick('2026-12-04T09:59:00+08:00');
    expect(await texts(rep)).toBe('');
    await tick('2026-12-04T10:00:00+08:00');
    expect(await texts(rep)).toContain(`${dealId} 已 2 天没有跟进`);
    await tick('2026-12-07T10:00:00+08:00');
    expect((await chat.say(rep, `/查看 ${dealId}`)).text).toContain('⚠️ 已 5 天无跟进');
  });

  it('a deal falling due at the weekend is nudged on Monday morning and escalated from then', async () => {
    const { chat, dealId, rep, manager, tick, texts } = await setup('周', '2026-12-03T19:00:00+08:00');
    await chat.say(rep, `/跟进 ${dealId} 晚上客户来电`); // Thursday 19:00 → due Saturday 19:00
    await tick('2026-12-05T19:00:00+08:00');
    const [queued] = await t().db.select().from(outbox).where(eq(outbox.status, 'pending'));
    expect(queued!.nextAttemptAt.toISOString()).toBe(new Date('2026-12-07T09:00:00+08:00').toISOString());
    expect(await texts(rep)).toBe('');
    await tick('2026-12-07T09:00:00+08:00');
    expect(await texts(rep)).toContain(dealId);
    await tick('2026-12-08T08:59:00+08:00'); // grace counts from delivery (Mon 09:00), not from Saturday
    expect(await texts(manager)).toBe('');
    await tick('2026-12-08T09:00:00+08:00');
    expect(await texts(manager)).toContain('升级提醒');
  });

  it('an agreed time in the evening waits for the next working hour', async () => {
    const { chat, dealId, rep, tick, texts } = await setup('晚');
    await chat.say(rep, `/跟进 ${dealId} 电话 下次:明天 20:00`);
    await tick('2026-12-03T20:00:00+08:00');
    const [queued] = await t().db.select().from(outbox).where(eq(outbox.status, 'pending'));
    expect(queued!.nextAttemptAt.toISOString()).toBe(new Date('2026-12-04T09:00:00+08:00').toISOString());
    await tick('2026-12-04T09:00:00+08:00');
    expect(await texts(rep)).toContain('约定 12-03 20:00 联系');
  });

  it('a snooze moves the due time once, from the agreed time', async () => {
    const { chat, dealId, rep, tick, texts } = await setup('推');
    await chat.say(rep, `/跟进 ${dealId} 电话 下次:周五`); // Friday 12-04 09:00
    expect((await chat.say(rep, `/推迟 ${dealId}`)).text).toContain('推迟到 12-05 09:00');
    expect((await chat.say(rep, `/推迟 ${dealId}`)).text).toContain('已经推迟过一次');
    await tick('2026-12-04T09:00:00+08:00');
    expect(await texts(rep)).toBe('');
    await tick('2026-12-05T09:00:00+08:00'); // Saturday: due, delivered Monday 09:00
    await tick('2026-12-07T09:00:00+08:00');
    expect(await texts(rep)).toContain(dealId);
  });

  it('changing the silence window moves nudges, /待办, /查看, the digest and the export together', async () => {
    const { chat, dealId, rep, admin, tick, texts } = await setup('设');
    expect((await chat.say(admin, '/设置 提醒 72 24')).text).toContain('72 小时');
    await chat.say(rep, `/跟进 ${dealId} 电话联系了采购`); // Wed 10:00 → due Sat 10:00 → delivered Mon 09:00
    const [repRow] = await t().db.select().from(users).where(eq(users.name, rep));
    const [team] = await t().db.insert(teams).values({ tenantId: repRow!.tenantId, name: '设定组' }).returning();
    await t().db.update(users).set({ teamId: team!.id }).where(eq(users.id, repRow!.id));
    const digestOverdue = async () =>
      (await buildTeamDigest(t().db, { id: team!.id, name: team!.name, tenantId: team!.tenantId }, new Date(clockNow()), 'Asia/Shanghai', 72)).overdue;
    let clockNow = () => '2026-12-04T12:00:00+08:00';
    await tick('2026-12-04T12:00:00+08:00'); // 50 h: due under 48 h, not under 72 h
    expect(await texts(rep)).toBe('');
    const todo = (await chat.say(rep, '/待办')).text;
    expect(todo).not.toContain('⚠️');
    expect(await digestOverdue()).toEqual([]);
    const view = (await chat.say(rep, `/查看 ${dealId}`)).text;
    expect(view).toContain('已 2 天无跟进');
    expect(view).not.toContain('⚠️');
    const csv = await dealsCsv(t().db, repRow!.tenantId);
    const [deal] = await t().db.select().from(deals).where(eq(deals.title, '齿轮箱'));
    expect(csv.text).toContain(`${dealId},C-`);
    expect(csv.text).toMatch(/2026-12-05 10:00,无跟进超时/);
    expect(deal).toBeDefined();

    clockNow = () => '2026-12-05T10:00:00+08:00';
    await tick('2026-12-05T10:00:00+08:00');
    expect((await chat.say(rep, '/待办')).text).toContain(`⚠️ 逾期 ${dealId}`);
    expect(await digestOverdue()).toEqual([{ owner: rep, count: 1 }]);
    await tick('2026-12-07T09:00:00+08:00');
    expect(await texts(rep)).toContain(dealId);
  });
});

describe(`the morning to-do window (${testDriver()})`, () => {
  const t = useTestDb();

  it('greets at the digest hour, drops the greeting after a late start, and skips after noon', async () => {
    const clock = createClock('2026-12-01T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    await chat.say('早销售', '/新客户 早一工厂 13500000001');
    const d = /D-\d+/.exec((await chat.say('早销售', '/新商机 早一工厂 阀门 1万')).text)![0];
    await chat.say('早销售', `/跟进 ${d} 电话`); // due 12-03 10:00
    const morning = async (iso: string) => {
      clock.set(iso);
      await runDailyDigests(t().db, clock.now(), 'a');
      return (await chat.inbox('早销售')).map(entryText).filter((x) => x.includes('今天的待办'));
    };
    expect(await morning('2026-12-03T08:00:00+08:00')).toEqual([expect.stringContaining('早上好 早销售，今天的待办')]);
    expect((await morning('2026-12-03T08:00:00+08:00'))).toEqual([]);
    const late = await morning('2026-12-04T10:30:00+08:00'); // a restart missed 08:00
    expect(late).toHaveLength(1);
    expect(late[0]).toContain('今日待办\n早销售，今天的待办');
    expect(late[0]).toContain(`⚠️ ${d}`);
    expect(late[0]).not.toContain('早上好');
    expect(await morning('2026-12-07T15:10:00+08:00')).toEqual([]);
  });
});
