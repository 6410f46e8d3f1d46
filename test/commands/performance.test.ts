import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { deals, salesTargets, teams, users } from '../../src/db/schema/index.js';
import { buildTeamDigest } from '../../src/services/digests.js';
import { performanceFor } from '../../src/services/performance.js';
import { updateSettings } from '../../src/services/settings.js';
import { toActor } from '../../src/services/users.js';
import { buildDigestCard } from '../../cards/digest-card.js';
import { renderConsoleCard } from '../../cards/console/render.js';
import { createChat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { dealOf, moneyTeam } from '../helpers/money.js';

const TZ = 'Asia/Shanghai';

// 2026-12-03 is a Thursday in 2026Q4; times are Asia/Shanghai.
describe(`targets, expected close and /业绩 (${testDriver()})`, () => {
  const t = useTestDb();

  it('sets targets (managers for their line, a quarter split by month), forecasts from expected close or the stage cycle, and the digest carries the same team line', async () => {
    const { db } = t();
    const clock = createClock('2026-12-03T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    const p = await moneyTeam(t(), chat, '绩', clock.now());
    const [rep] = await db.select().from(users).where(eq(users.name, p.rep));
    const [team] = await db.insert(teams).values({ tenantId: rep!.tenantId, name: '绩组' }).returning();
    for (const n of [p.manager, p.rep]) await db.update(users).set({ teamId: team!.id }).where(eq(users.name, n));

    expect((await chat.say(p.rep, `/设置 目标 ${p.rep} 2026-12 50万`)).text).toContain('只有经理、总监和管理员');
    expect((await chat.say(p.manager, `/设置 目标 ${p.other} 2026-12 10万`)).text).toContain('不是你或你的下属');
    expect((await chat.say(p.manager, `/设置 目标 ${p.rep} 2026-13 10万`)).text).toContain('看不懂「2026-13」');
    expect((await chat.say(p.manager, `/设置 目标 ${p.rep} 2026-12 -5万`)).text).toContain('不能是负数');
    expect((await chat.say(p.manager, `/设置 目标 ${p.rep} 2026-12 50万`)).text).toContain(`已设置 ${p.rep} 2026-12 的业绩目标 ¥500,000.00`);
    expect((await chat.say(p.manager, `/设置 目标 ${p.rep} Q4 150万`)).text).toContain('按月分配：2026-10 ¥500,000.00、2026-11 ¥500,000.00、2026-12 ¥500,000.00');
    expect((await chat.say(p.manager, `/设置 目标 ${p.rep} 2027Q1 100万`)).text).toContain('2027-01 ¥333,333.33、2027-02 ¥333,333.33、2027-03 ¥333,333.34');
    const q1 = await db.select().from(salesTargets).where(and(eq(salesTargets.subjectId, rep!.id), eq(salesTargets.month, '2027-03')));
    expect(q1.map((r) => r.amountFen)).toEqual([33_333_334]);

    await dealOf(chat, p.rep, '绩一机械', '冲压线', '20万'); // won today
    const lost = await dealOf(chat, p.rep, '绩二机械', '折弯机', '5万', false);
    await chat.say(p.rep, `/输单 ${lost} 价格`);
    const quote = await dealOf(chat, p.rep, '绩三机械', '激光切割', '30万', false);
    await chat.say(p.rep, `/跟进 ${quote} 拜访 下一步:报价`);
    await chat.say(p.rep, `/推进 ${quote} 报价`); // 60 %
    const lead = await dealOf(chat, p.rep, '绩四机械', '剪板机', '10万', false); // 线索 10 %, no expected date
    expect((await chat.say(p.rep, `/修改 ${quote} 预计成交 2026-11-30`)).text).toContain('已经过去了');
    expect((await chat.say(p.rep, `/修改 ${quote} 预计成交 12-20`)).text).toContain('预计成交：（按阶段典型周期估算） → 2026-12-20');
    const [q] = await db.select().from(deals).where(eq(deals.shortNo, Number(quote.slice(2))));
    expect(q!.expectedCloseOn).toBe('2026-12-20');
    expect((await chat.say(p.rep, `/查看 ${quote}`)).text).toContain('预计成交 2026-12-20');

    const mine = (await chat.say(p.rep, '/业绩')).text;
    expect(mine).toContain(`业绩（${p.rep} · 本月 2026-12）`);
    expect(mine).toContain('- 目标：¥500,000.00');
    expect(mine).toContain('- 已成交：¥200,000.00（1 单）');
    expect(mine).toContain('- 本期预计成交的在手商机：1 个 · ¥300,000.00 · 加权 ¥180,000.00');
    expect(mine).toContain('- 预测：¥380,000.00（已成交 + 加权）');
    expect(mine).toContain('- 剩余目标：¥300,000.00 · 覆盖率 1.0×');
    expect(mine).toContain('- 缺口：¥120,000.00');
    expect(mine).toContain(`- ${p.rep}：赢单率 50%（赢 1 输 1） · 平均单笔 ¥200,000.00`);
    expect((await chat.say(p.rep, '/业绩 本季')).text).toContain('- 目标：¥1,500,000.00');
    expect((await chat.say(p.other, `/业绩 ${p.rep}`)).text).toContain('不是你或你的下属');

    // The lead has no expected date: it closes the stage's typical days after it entered 线索 (90 by default, then 20).
    const [admin] = await db.select().from(users).where(eq(users.name, p.admin));
    await updateSettings({ db, actor: toActor(admin!), now: clock.now(), timeZone: TZ }, { pipeline: { typicalDays: { lead: 20 } } });
    const withLead = (await chat.say(p.rep, '/业绩')).text;
    expect(withLead).toContain('- 本期预计成交的在手商机：2 个 · ¥400,000.00 · 加权 ¥190,000.00');
    expect(withLead).toContain('覆盖率 1.3×');
    expect(lead).toMatch(/^D-\d+$/);

    // A team target wins over the people's; the manager's default scope is the team.
    await chat.say(p.manager, `/设置 目标 绩组 2026-12 80万`);
    const teamText = (await chat.say(p.manager, '/业绩')).text;
    expect(teamText).toContain('业绩（我的团队 · 本月 2026-12）');
    expect(teamText).toContain('- 目标：¥800,000.00（团队目标）');
    expect(teamText).toContain('- 缺口：¥410,000.00');
    expect(teamText).toContain(`- ${p.rep}：赢单率 50%（赢 1 输 1）`);
    expect(teamText).not.toContain(`- ${p.manager}：赢单率`); // nothing closed: left out of a team's list

    const [manager] = await db.select().from(users).where(eq(users.name, p.manager));
    const viaService = await performanceFor({ db, actor: toActor(manager!), now: clock.now(), timeZone: TZ }, '绩组', 'month');
    const digest = await buildTeamDigest(db, { id: team!.id, name: team!.name, tenantId: rep!.tenantId }, clock.now(), TZ, 48);
    expect({ ...digest.performance, reps: [] }).toEqual({ ...viaService, scope: undefined, reps: [] } as unknown as typeof digest.performance);
    expect(digest.performance.targetFen).toBe(80_000_000);
    expect(digest.performance.forecastFen).toBe(39_000_000);
    const card = renderConsoleCard(buildDigestCard({ ...digest, pipeline: [], conversion: [] }));
    expect(card).toContain('目标 ¥800,000.00 · 已成交 ¥200,000.00 · 预测 ¥390,000.00 · 覆盖率 0.7× · 缺口 ¥410,000.00');
    expect((await chat.say(p.rep, `/修改 D-1 预计成交 12-20`)).text).toContain('不需要预计成交日期');
  });
});
