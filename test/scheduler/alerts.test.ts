import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema/index.js';
import { updateSettings } from '../../src/services/settings.js';
import { toActor } from '../../src/services/users.js';
import { runDailyDigests } from '../../src/scheduler/daily-digest.js';
import { runRulesTick } from '../../src/scheduler/rules-tick.js';
import { createChat, entryText } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

// 2026-11-02 is a Monday. Times are Asia/Shanghai.
describe(`stagnation and silent-quote alerts reach owner and manager; directors get a daily summary (${testDriver()})`, () => {
  const t = useTestDb();

  it('sends per-deal alerts to the owner and manager and one summary a day to the director', async () => {
    const clock = createClock('2026-11-02T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    await chat.say('警管理员', '/帮助', { role: 'admin' });
    await chat.say('警总监', '/帮助', { role: 'director' });
    await chat.say('警经理', '/帮助', { role: 'manager' });
    await chat.say('警销售', '/帮助');
    await chat.say('警管理员', '/设置 上级 警销售 警经理');
    await chat.say('警管理员', '/设置 上级 警经理 警总监');
    await chat.say('警销售', '/新客户 警一阀门 13200000001');
    const d1 = /D-\d+/.exec((await chat.say('警销售', '/新商机 警一阀门 闸阀 2万')).text)![0];
    const d2 = /D-\d+/.exec((await chat.say('警销售', '/新商机 警一阀门 球阀 1万')).text)![0];
    const a = /A-\d+/.exec((await chat.say('警销售', `/报价 ${d2} 1万`)).text)![0];
    await chat.say('警经理', `/批准 ${a}`);
    const alerts = async (who: string) =>
      (await chat.inbox(who)).map(entryText).filter((x) => x.includes('🐢') || x.includes('📝') || x.includes('预警汇总'));
    const tick = async (iso: string) => {
      clock.set(iso);
      await runRulesTick(t().db, clock.now());
    };

    await tick('2026-11-19T10:00:00+08:00'); // the approved quote has been silent 17 days
    const repQuote = await alerts('警销售');
    expect(repQuote).toHaveLength(1);
    expect(repQuote[0]).toContain(`/跟进 ${d2}`);
    expect(await alerts('警经理')).toEqual([expect.stringContaining(`${d2} 警一阀门 · 球阀（负责人 警销售）`)]);
    expect(await alerts('警总监')).toEqual([]);

    clock.set('2026-11-20T08:00:00+08:00');
    await runDailyDigests(t().db, clock.now(), 'a');
    const first = await alerts('警总监');
    expect(first).toHaveLength(1);
    expect(first[0]).toContain('报价批准后未跟进（1）');
    await runDailyDigests(t().db, clock.now(), 'b');
    expect(await alerts('警总监')).toEqual([]);

    await tick('2026-12-03T10:00:00+08:00'); // 31 days in 线索
    await tick('2026-12-03T10:01:00+08:00');
    expect((await alerts('警销售')).filter((x) => x.includes('🐢'))).toHaveLength(2);
    expect((await alerts('警经理')).filter((x) => x.includes('🐢'))).toHaveLength(2);
    expect(await alerts('警总监')).toEqual([]);

    clock.set('2026-12-04T08:00:00+08:00');
    await runDailyDigests(t().db, clock.now(), 'a');
    const summary = await alerts('警总监');
    expect(summary).toHaveLength(1);
    expect(summary[0]).toContain('停滞商机（2）');
    expect(summary[0]).toContain(`${d1} 警一阀门 · 闸阀 在「线索」已 31 天（警销售）`);
    expect(summary[0]).not.toContain('报价批准后未跟进'); // already in the 11-20 summary
  });

  it('follows the tenant setting for who hears an alert', async () => {
    const clock = createClock('2026-11-02T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    await chat.say('设管理员', '/帮助', { role: 'admin' });
    await chat.say('设经理', '/帮助', { role: 'manager' });
    await chat.say('设销售', '/帮助');
    await chat.say('设管理员', '/设置 上级 设销售 设经理');
    const [admin] = await t().db.select().from(users).where(eq(users.name, '设管理员'));
    await updateSettings({ db: t().db, actor: toActor(admin!), now: clock.now(), timeZone: 'Asia/Shanghai' }, { alerts: { stagnant: { owner: false } } });
    await chat.say('设销售', '/新客户 设一公司 13200000002');
    await chat.say('设销售', '/新商机 设一公司 阀门 1万');
    clock.set('2026-12-03T10:00:00+08:00');
    await runRulesTick(t().db, clock.now());
    const texts = async (who: string) => (await chat.inbox(who)).map(entryText).filter((x) => x.includes('🐢'));
    expect(await texts('设销售')).toEqual([]);
    expect(await texts('设经理')).toHaveLength(1);
  });
});
