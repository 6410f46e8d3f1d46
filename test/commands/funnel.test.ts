import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { teams, users } from '../../src/db/schema/index.js';
import { buildTeamDigest } from '../../src/services/digests.js';
import { funnelFor } from '../../src/services/funnel.js';
import { updateSettings } from '../../src/services/settings.js';
import { toActor } from '../../src/services/users.js';
import { createChat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

describe(`/漏斗 with conversion, cycle time and weighted amount, the digest's numbers (${testDriver()})`, () => {
  const t = useTestDb();

  it('shows 暂无成交 before the first win and the same figures as the team digest after it', async () => {
    const { db } = t();
    const clock = createClock('2026-11-02T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    await chat.say('斗管理员', '/帮助', { role: 'admin' });
    await chat.say('斗经理', '/帮助', { role: 'manager' });
    await chat.say('斗销售', '/帮助');
    await chat.say('斗管理员', '/设置 上级 斗销售 斗经理');
    const [admin] = await db.select().from(users).where(eq(users.name, '斗管理员'));
    await updateSettings({ db, actor: toActor(admin!), now: clock.now(), timeZone: 'Asia/Shanghai' }, {
      pipeline: { exitCriteria: { enterWon: { requireApprovedQuote: false } } },
    });
    const [team] = await db.insert(teams).values({ tenantId: admin!.tenantId, name: '斗组' }).returning();
    for (const n of ['斗经理', '斗销售']) await db.update(users).set({ teamId: team!.id }).where(eq(users.name, n));

    await chat.say('斗销售', '/新客户 斗一机械 13300000001');
    const won = /D-\d+/.exec((await chat.say('斗销售', '/新商机 斗一机械 大单 10万')).text)![0];
    await chat.say('斗销售', '/新商机 斗一机械 小单 2万');
    await chat.say('斗销售', `/跟进 ${won} 拜访 下一步:出方案`);
    await chat.say('斗销售', `/推进 ${won} 初访`);

    const before = (await chat.say('斗经理', '/漏斗 本月')).text;
    expect(before).toContain('平均成交周期：暂无成交');
    expect(before).not.toContain('0 天');
    expect(before).toContain('线索→初访 50%');
    expect(before).toContain('- 线索：1 个 · ¥20,000.00 · 加权 ¥2,000.00');

    clock.set('2026-11-12T10:00:00+08:00');
    for (const stage of ['方案', '报价', '签约']) expect((await chat.say('斗销售', `/推进 ${won} ${stage}`)).text).not.toContain('不能');
    clock.set('2026-11-20T09:00:00+08:00');
    const text = (await chat.say('斗经理', '/漏斗 近90天')).text;
    expect(text).toContain('平均成交周期：10 天（1 单）');
    expect(text).toContain('线索→初访 50%，初访→方案 100%，方案→报价 100%，报价→签约 100%');

    const [manager] = await db.select().from(users).where(eq(users.name, '斗经理'));
    const ctx = { db, actor: toActor(manager!), now: clock.now(), timeZone: 'Asia/Shanghai' };
    const funnel = await funnelFor(ctx, 'visible', 'last90');
    const digest = await buildTeamDigest(db, { id: team!.id, name: team!.name, tenantId: team!.tenantId }, clock.now(), 'Asia/Shanghai', 48);
    expect(digest.conversion).toEqual(funnel.conversion);
    expect(digest.avgCycleDays).toBe(funnel.avgCycleDays);
    expect(digest.pipeline).toEqual(funnel.pipeline);
    expect(funnel.avgCycleDays).toBe(10);

    expect((await chat.say('斗经理', '/漏斗 明年')).text).toContain('本月、本季 或 近90天');
  });
});
