import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { deals, teamChats, teams, users } from '../../src/db/schema/index.js';
import { runDailyDigests } from '../../src/scheduler/daily-digest.js';
import { buildTeamDigest } from '../../src/services/digests.js';
import { createChat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

describe(`daily digest (${testDriver()})`, () => {
  const t = useTestDb();

  it('computes the numbers of a hand-made fixture and sends once per day to the team chat', async () => {
    const { db } = t();
    const clock = createClock('2026-11-24T10:00:00+08:00'); // Tuesday: "yesterday" for the digest of 11-25
    const chat = createChat(t(), { now: clock.now });
    await chat.say('华管理员', '/帮助', { role: 'admin' });
    await chat.say('华经理', '/帮助', { role: 'manager' });
    await chat.say('华销售一', '/帮助');
    await chat.say('华销售二', '/帮助');
    await chat.say('华管理员', '/设置 上级 华销售一 华经理');
    await chat.say('华管理员', '/设置 上级 华销售二 华经理');
    const [tenantUser] = await db.select().from(users).where(eq(users.name, '华经理'));
    const [team] = await db.insert(teams).values({ tenantId: tenantUser!.tenantId, name: '华东销售部', managerId: tenantUser!.id }).returning();
    for (const n of ['华经理', '华销售一', '华销售二']) await db.update(users).set({ teamId: team!.id }).where(eq(users.name, n));
    await db.insert(teamChats).values({ teamId: team!.id, platform: 'console', chatId: '华东群' });

    // Fixture, all on 11-24 (yesterday for the 11-25 digest):
    // 华销售一: D1 10万 → 初访 → 方案; D2 5万 lead; D3 2万 lost.   华销售二: D4 3万 lead, then silent.
    await chat.say('华销售一', '/新客户 甲方一 13000000001');
    await chat.say('华销售一', '/新客户 甲方二 13000000002');
    await chat.say('华销售二', '/新客户 甲方三 13000000003');
    const d1 = /D-\d+/.exec((await chat.say('华销售一', '/新商机 甲方一 大单 10万')).text)![0];
    await chat.say('华销售一', '/新商机 甲方二 小单 5万');
    const d3 = /D-\d+/.exec((await chat.say('华销售一', '/新商机 甲方二 丢的单 2万')).text)![0];
    await chat.say('华销售二', '/新商机 甲方三 中单 3万');
    await chat.say('华销售一', `/跟进 ${d1} 拜访 下一步:出方案`);
    await chat.say('华销售一', `/推进 ${d1} 初访`);
    await chat.say('华销售一', `/推进 ${d1} 方案`);
    await chat.say('华销售一', `/输单 ${d3} 预算取消`);

    clock.set('2026-11-25T07:59:00+08:00');
    expect((await runDailyDigests(db, clock.now(), 'a')).teams).toBe(0); // before 08:00
    clock.set('2026-11-26T11:00:00+08:00');
    // Built for 11-26: yesterday (11-25) had no movement; overdue = open deals silent 48 h (D1, D2, D4).
    const later = await buildTeamDigest(db, { id: team!.id, name: team!.name, tenantId: team!.tenantId }, clock.now(), 'Asia/Shanghai', 48);
    expect(later.moved).toEqual({ newDeals: 0, stageChanges: 0, won: 0, lost: 0, wonFen: 0 });
    expect(later.overdue).toEqual([{ owner: '华销售一', count: 2 }, { owner: '华销售二', count: 1 }]);

    clock.set('2026-11-25T08:00:00+08:00');
    const digest = await buildTeamDigest(db, { id: team!.id, name: team!.name, tenantId: team!.tenantId }, clock.now(), 'Asia/Shanghai', 48);
    expect(digest.date).toBe('2026-11-25');
    expect(digest.pipeline).toEqual([
      { stage: 'lead', count: 2, amountFen: 8_000_000, weightedFen: 800_000 },
      { stage: 'first_visit', count: 0, amountFen: 0, weightedFen: 0 },
      { stage: 'proposal', count: 1, amountFen: 10_000_000, weightedFen: 4_000_000 },
      { stage: 'quote', count: 0, amountFen: 0, weightedFen: 0 },
    ]);
    expect(digest.moved).toEqual({ newDeals: 4, stageChanges: 3, won: 0, lost: 1, wonFen: 0 });
    expect(digest.overdue).toEqual([]);
    // Reached ≥ lead: 4; ≥ 初访: 1 (D1; D3 went lead → lost); ≥ 方案: 1.
    expect(digest.conversion.map((c) => c.rate)).toEqual([0.25, 1, 0, null]);
    expect(digest.avgCycleDays).toBeNull();

    const [a, b] = await Promise.all([runDailyDigests(db, clock.now(), 'a'), runDailyDigests(db, clock.now(), 'b')]);
    expect(a.teams + b.teams).toBe(1);
    const group = await chat.inbox('华东群');
    // The card, then its chart as a picture (the console cannot draw charts).
    expect(group.map((g) => (g.kind === 'message' ? g.message.type : g.kind))).toEqual(['card', 'image']);
    const e = group[0]!;
    if (e.kind !== 'message' || e.message.type !== 'card') throw new Error('expected digest card');
    expect(e.message.card.title).toContain('华东销售部');
    expect(JSON.stringify(e.message.card)).toContain('¥80,000.00');
    clock.set('2026-11-25T15:00:00+08:00');
    expect((await runDailyDigests(db, clock.now(), 'c')).teams).toBe(0);
    const personal = await chat.inbox('华销售二');
    expect(personal.length).toBeLessThanOrEqual(1);
    const [d2] = await db.select().from(deals).where(eq(deals.title, '中单'));
    expect(d2).toBeDefined();
  });
});
