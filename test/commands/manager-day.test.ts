import { describe, expect, it } from 'vitest';
import { runRulesTick } from '../../src/scheduler/rules-tick.js';
import { createChat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

// 2026-11-02 is a Monday. Times are Asia/Shanghai.
describe(`the manager's day: /待办 and /团队 (${testDriver()})`, () => {
  const t = useTestDb();

  it("lists the team's escalated and due deals by rep, stagnant deals, untouched leads and waiting handovers", async () => {
    const clock = createClock('2026-11-02T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    await chat.say('李经理', '/帮助', { role: 'manager' });
    await chat.say('李管理员', '/帮助', { role: 'admin' });
    for (const rep of ['李销售甲', '李销售乙', '李离职', '李接手']) {
      await chat.say(rep, '/帮助');
      await chat.say('李管理员', `/设置 上级 ${rep} 李经理`);
    }
    await chat.say('王别组', '/帮助'); // not in 李经理's reporting line
    await chat.say('李销售甲', '/新客户 甲一机械 13100000001');
    const stale = /D-\d+/.exec((await chat.say('李销售甲', '/新商机 甲一机械 老单 5万')).text)![0];
    await chat.say('李销售甲', `/跟进 ${stale} 电话`);
    await chat.say('王别组', '/新客户 别组公司 13100000009');
    const other = /D-\d+/.exec((await chat.say('王别组', '/新商机 别组公司 别人的单 1万')).text)![0];
    await chat.say('王别组', `/跟进 ${other} 电话`);

    clock.set('2026-12-01T10:00:00+08:00'); // 29 days later: three fresh deals for 甲, all left silent
    const escalated: string[] = [];
    for (const name of ['甲二', '甲三', '甲四']) {
      await chat.say('李销售甲', `/新客户 ${name}机械 1310000${String(escalated.length + 2).padStart(4, '0')}`);
      const d = /D-\d+/.exec((await chat.say('李销售甲', `/新商机 ${name}机械 ${name}单 2万`)).text)![0];
      await chat.say('李销售甲', `/跟进 ${d} 电话`);
      escalated.push(d);
    }
    await chat.say('李销售乙', '/新客户 乙方公司 13100000008');
    const lead = /D-\d+/.exec((await chat.say('李销售乙', '/新商机 乙方公司 新线索 3万')).text)![0];
    await chat.say('李经理', '/交接 李离职 李接手');

    for (const at of ['2026-12-03T10:00:00+08:00', '2026-12-04T10:00:00+08:00']) {
      clock.set(at); // nudges at 48 h, escalations 24 h later
      await runRulesTick(t().db, clock.now());
    }
    await chat.inbox('李经理');

    const todo = (await chat.say('李经理', '/待办')).text;
    expect(todo).not.toContain('暂无待办');
    expect(todo).toContain('团队待跟进');
    expect(todo).toMatch(/李销售甲：\n(- 🔺 已升级 D-\d+ .*（线索，已 \d+ 天无跟进）\n){4}/);
    for (const d of escalated) expect(todo).toContain(`🔺 已升级 ${d}`);
    expect(todo).toContain('停滞商机');
    expect(todo).toMatch(new RegExp(`${stale} 甲一机械 · 老单 在「线索」已 32 天（李销售甲）`));
    expect(todo).toContain(`新线索未联系（1）\n- ${lead} 乙方公司 · 新线索，72 小时未联系（李销售乙）`);
    expect(todo).toContain('李离职 → 李接手');
    expect(todo).not.toContain(other);

    const team = (await chat.say('李经理', '/团队')).text;
    expect(team).toContain('我的团队（3 人）'); // 李离职 was deactivated by the handover
    expect(team).toContain('李销售甲：在跟 4 个 · ¥110,000.00 · 待跟进 4 ⚠️ · 本周跟进 3 次 · 最近跟进 12-01 10:00');
    expect(team).toContain('李销售乙：在跟 1 个 · ¥30,000.00 · 待跟进 1 ⚠️ · 本周跟进 0 次 · 最近跟进 暂无');
    expect(team).not.toContain('王别组');

    expect((await chat.say('李销售乙', '/团队')).text).toContain('只对有下属的经理和总监开放');
    const repTodo = (await chat.say('李销售乙', '/待办')).text;
    expect(repTodo).not.toContain('团队待跟进');
  });
});
