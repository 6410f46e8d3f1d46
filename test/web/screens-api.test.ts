// The dashboard's screens through the production app (inject): the team heatmap and lists, target/won/forecast,
// cycle time per stage, a deal's 360° view, and approvals decided from the page. Every figure is compared with the
// service the chat uses (called here on the same database) and with a hand-computed case; filters never show more
// than the user may see; approving goes through the cards' decision service and updates the card copies.
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { approvalRequests, approvalSteps, auditLog, deals, outbox, sentCards, users } from '../../src/db/schema/index.js';
import { collectionOfDeals } from '../../src/services/collection.js';
import { funnelFor, stageDaysFor } from '../../src/services/funnel.js';
import { performanceFor } from '../../src/services/performance.js';
import { followUpWeeks, teamOverview, teamTodos } from '../../src/services/team-todos.js';
import { ensureTeam } from '../../src/services/teams.js';
import { toActor } from '../../src/services/users.js';
import { runRulesTick } from '../../src/scheduler/rules-tick.js';
import type { Ctx } from '../../src/services/context.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const linkOf = (text: string) => `/app/login?t=${/\/app\/login\?t=([A-Za-z0-9_-]+)/.exec(text)![1]}`;
const cookieOf = (setCookie: string | string[] | undefined) => String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;
const dealNo = (text: string) => /已创建商机 (D-\d+)/.exec(text)![1]!;

describe(`the dashboard screens' API (${testDriver()})`, () => {
  const t = useTestDb();
  let now = new Date('2026-10-20T02:00:00Z'); // moved on to Thursday 2026-12-03 10:00 in Shanghai
  let chat: Chat;
  let app: Awaited<ReturnType<Chat['app']>>;
  const id: Record<string, string> = {};
  const team: Record<string, string> = {};
  let d1 = '';
  let d2 = '';
  let theirs = '';
  let approval = '';
  const session: Record<string, { cookie: string; csrf: string }> = {};

  const get = (who: string, url: string) => app.server.inject({ url, headers: { cookie: session[who]!.cookie } });
  const ctxOf = async (who: string): Promise<Ctx> => {
    const [u] = await t().db.select().from(users).where(eq(users.name, who));
    return { db: t().db, actor: toActor(u!), now, timeZone: 'Asia/Shanghai' };
  };

  beforeAll(async () => {
    chat = createChat(t(), { now: () => now });
    app = await chat.app();
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    await chat.say('冯经理', '/帮助', { role: 'manager' });
    for (const [rep, boss] of [['甲销售', '吴经理'], ['乙销售', '吴经理'], ['丙销售', '冯经理']] as const) {
      await chat.say(rep, '/帮助');
      await chat.say('管理员', `/设置 上级 ${rep} ${boss}`);
    }
    for (const u of await t().db.select().from(users)) id[u.name] = u.id;
    const tenantId = (await t().db.select().from(users).where(eq(users.id, id['甲销售']!)))[0]!.tenantId;
    team.east = await ensureTeam(t().db, tenantId, '华东组');
    team.south = await ensureTeam(t().db, tenantId, '华南组');
    for (const [who, tm] of [['甲销售', team.east], ['乙销售', team.east], ['丙销售', team.south]] as const) {
      await t().db.update(users).set({ teamId: tm }).where(eq(users.id, id[who]!));
    }

    // 10-20: 乙 opens a deal and never follows it up (stagnant by 12-03: 44 days in 线索, over the 30-day rule).
    await chat.say('乙销售', '/新客户 台州泵业 13900003333');
    theirs = dealNo((await chat.say('乙销售', '/新商机 台州泵业 离心泵 5万')).text);
    now = new Date('2026-11-12T02:00:00Z');
    // 11-12: 甲 opens a deal and follows it up (week 5 of 8); two days later it moves to 初访 (2.0 days as 线索).
    await chat.say('甲销售', '/新客户 温州阀门厂 13900002222');
    d1 = dealNo((await chat.say('甲销售', '/新商机 温州阀门 球阀 3万')).text);
    await chat.say('甲销售', `/跟进 ${d1} 电话 客户要球阀 下一步:报方案`);
    await chat.say('丙销售', '/新客户 广州电机 13900004444');
    await chat.say('丙销售', '/新商机 广州电机 电机 4万');
    now = new Date('2026-11-14T02:00:00Z');
    expect((await chat.say('甲销售', `/推进 ${d1} 初访`)).text).toContain('初访');
    // 乙's deal falls silent: nudged, then escalated to 吴经理 by the scheduler's rules.
    now = new Date('2026-12-02T02:00:00Z');
    await runRulesTick(t().db, now);
    now = new Date('2026-12-03T02:00:00Z');
    await runRulesTick(t().db, now);
    // This week: two follow-ups by 甲 on a new deal, and a quote for 吴经理 to approve.
    d2 = dealNo((await chat.say('甲销售', '/新商机 温州阀门 闸阀 2万')).text);
    await chat.say('甲销售', `/跟进 ${d2} 拜访 看了现场 下一步:出报价`);
    await chat.say('甲销售', `/跟进 ${d2} 微信 发了样本`);
    await chat.say('吴经理', '/设置 目标 甲销售 2026-12 10万');
    approval = /A-\d+/.exec((await chat.say('甲销售', `/报价 ${d1} 2万`)).text)![0];
    await chat.inbox('吴经理');

    for (const who of ['甲销售', '吴经理', '管理员', '冯经理']) {
      const login = await app.server.inject({ url: linkOf((await chat.say(who, '/看板')).text) });
      const cookie = cookieOf(login.headers['set-cookie']);
      const me = await app.server.inject({ url: '/app/api/me', headers: { cookie } });
      session[who] = { cookie, csrf: me.json().csrf };
    }
  });

  it('team: the 8-week follow-up heatmap, due and escalated counts, and the due/escalated/stagnant lists are the services’', async () => {
    const res = await get('吴经理', '/app/api/team');
    expect(res.statusCode).toBe(200);
    const body = res.json().team;
    expect(body.weeks).toEqual(['10/12', '10/19', '10/26', '11/2', '11/9', '11/16', '11/23', '11/30']);
    const row = (name: string) => body.reps.find((r: any) => r.name === name);
    // By hand: one follow-up on 11-12 (the week of 11/9), two this week; none by 乙; 丙 is not 吴经理's.
    expect(row('甲销售').weeks).toEqual([0, 0, 0, 0, 1, 0, 0, 2]);
    expect(row('乙销售').weeks).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(row('丙销售')).toBeUndefined();
    expect(row('乙销售')).toMatchObject({ due: 1, escalated: 1, openDeals: 1, amountFen: 5_000_000 });
    // Both 乙's deal and 甲's D1 (silent since 11-14) were nudged on 12-02 and escalated a day later.
    expect(row('甲销售')).toMatchObject({ due: 1, escalated: 1, openDeals: 2 });
    expect(body.escalated.map((d: any) => d.no).sort()).toEqual([theirs, d1].sort());
    expect(body.stagnant).toEqual([expect.objectContaining({ no: theirs, ownerName: '乙销售', stageLabel: '线索', days: 44 })]);

    // The same services /团队 and /待办 use.
    const ctx = await ctxOf('吴经理');
    const overview = (await teamOverview(ctx))!;
    const todos = (await teamTodos(ctx))!;
    const weeks = await followUpWeeks(ctx, overview.map((r) => r.userId));
    for (const r of overview) {
      expect(row(r.name)).toMatchObject({ id: r.userId, due: r.due, openDeals: r.openDeals, amountFen: r.amountFen, followUpsThisWeek: r.followUpsThisWeek, weeks: weeks.counts.get(r.userId) });
      // This week's cell is /团队's 本周跟进.
      expect(row(r.name).weeks.at(-1)).toBe(r.followUpsThisWeek);
    }
    expect(body.due.map((d: any) => d.no)).toEqual(todos.dueByRep.flatMap((g) => g.deals).map((d) => `D-${d.shortNo}`));
    expect(body.stagnant.map((d: any) => d.no)).toEqual(todos.stagnant.map((d) => `D-${d.shortNo}`));
    // And what /团队 says in chat.
    expect((await chat.say('吴经理', '/团队')).text).toContain('甲销售：在跟 2 个 · ¥50,000.00 · 待跟进 1 ⚠️ · 本周跟进 2 次');

    // The team filter narrows; a rep has no team screen.
    const east = (await get('吴经理', `/app/api/team?rep=${id['乙销售']}`)).json().team;
    expect(east.reps.map((r: any) => r.name)).toEqual(['乙销售']);
    const rep = await get('甲销售', '/app/api/team');
    expect(rep.json()).toMatchObject({ team: null });
    expect(rep.json().message).toContain('只对有下属的经理和总监开放');
  });

  it('filters: a rep sees only themself, a manager only the reporting line; outside values are refused, not widened', async () => {
    for (const url of [`/app/api/team?rep=${id['乙销售']}`, `/app/api/performance?rep=${id['乙销售']}`, `/app/api/funnel?rep=${id['乙销售']}`]) {
      const r = await get('甲销售', url);
      expect(r.statusCode, url).toBe(403);
      expect(r.json().message, url).toBe('乙销售 不是你或你的下属，无法查看。');
    }
    const stranger = await get('吴经理', `/app/api/funnel?rep=${id['丙销售']}`);
    expect(stranger.statusCode).toBe(403);
    expect(stranger.json().message).toContain('丙销售 不是你或你的下属');
    const otherTeam = await get('吴经理', `/app/api/performance?team=${team.south}`);
    expect(otherTeam.statusCode).toBe(403);
    expect(otherTeam.json().message).toBe('「华南组」不是你或你的下属所在的团队，无法查看。');
    const mismatch = await get('吴经理', `/app/api/funnel?team=${team.east}&rep=${id['吴经理']}`);
    expect(mismatch.statusCode).toBe(403);
    expect(mismatch.json().message).toContain('不在「华东组」团队里');
    const bad = await get('吴经理', '/app/api/team?rep=1%20or%201=1');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('筛选条件不对');

    // The filter's choices: the people each may see, and their teams.
    const names = async (who: string) => (await get(who, '/app/api/filters')).json();
    expect((await names('甲销售')).reps.map((r: any) => r.name)).toEqual(['甲销售']);
    const mgr = await names('吴经理');
    expect(mgr.reps.map((r: any) => r.name).sort()).toEqual(['乙销售', '吴经理', '甲销售'].sort());
    expect(mgr.teams.map((x: any) => x.name)).toEqual(['华东组']);
    expect((await names('管理员')).teams.map((x: any) => x.name).sort()).toEqual(['华东组', '华南组'].sort());
    // An admin may pick anyone's team.
    expect((await get('管理员', `/app/api/team?team=${team.south}`)).json().team.reps.map((r: any) => r.name)).toEqual(['丙销售']);
  });

  it('funnel with cycle time per stage, and target vs won vs forecast, equal the services’ and a hand count', async () => {
    const f = (await get('吴经理', `/app/api/funnel?period=last90&rep=${id['甲销售']}`)).json();
    const ctx = await ctxOf('吴经理');
    const expected = await funnelFor(ctx, { ownerIds: [id['甲销售']!] }, 'last90');
    expect(f.pipeline.map((r: any) => [r.stage, r.count, r.amountFen, r.weightedFen])).toEqual(expected.pipeline.map((r) => [r.stage, r.count, r.amountFen, r.weightedFen]));
    expect(f.pipeline.find((r: any) => r.stage === 'first_visit')).toMatchObject({ count: 1, amountFen: 3_000_000 });
    // By hand: D1 was a 线索 from 11-12 to 11-14.
    expect(f.stageDays.find((r: any) => r.stage === 'lead')).toMatchObject({ days: 2, count: 1, label: '线索' });
    expect(f.stageDays.map((r: any) => r.days)).toEqual((await stageDaysFor(ctx, [id['甲销售']!], 'last90')).map((r) => r.days));
    // This month: no stay ended in December.
    expect((await get('吴经理', '/app/api/funnel?period=month')).json().stageDays.every((r: any) => r.days === null)).toBe(true);

    const p = (await get('吴经理', `/app/api/performance?period=month&rep=${id['甲销售']}`)).json();
    const perf = await performanceFor(ctx, { userId: id['甲销售']! }, 'month');
    expect(p).toMatchObject({ scope: '甲销售', targetFen: 10_000_000, wonFen: 0, targetFrom: 'people' });
    expect(p).toMatchObject({ targetFen: perf.targetFen, wonFen: perf.wonFen, forecastFen: perf.forecastFen, pipelineFen: perf.pipelineFen, weightedFen: perf.weightedFen, gapFen: perf.gapFen });
    expect(p.forecastFen).toBe(p.wonFen + p.weightedFen);
    // The manager's own scope is /业绩's (the team), and the rep's is their own.
    const mine = (await get('吴经理', '/app/api/performance?period=quarter')).json();
    const teamPerf = await performanceFor(ctx, undefined, 'quarter');
    expect(mine).toMatchObject({ scope: teamPerf.scope, targetFen: teamPerf.targetFen, forecastFen: teamPerf.forecastFen, pipelineFen: teamPerf.pipelineFen });
    expect((await get('甲销售', '/app/api/performance')).json()).toMatchObject({ scope: '甲销售', targetFen: 10_000_000 });
    // A team: its people's figures (no team target set, so the people's: 甲's 10万), as /业绩 华东组 gives them.
    const east = (await get('吴经理', `/app/api/performance?team=${team.east}`)).json();
    const eastPerf = await performanceFor(ctx, '华东组', 'month');
    expect(east).toMatchObject({ scope: '华东组', targetFen: 10_000_000, targetFrom: 'people', pipelineFen: eastPerf.pipelineFen, forecastFen: eastPerf.forecastFen });
    expect((await get('甲销售', '/app/api/performance?period=year')).statusCode).toBe(400);
  });

  it("a deal's 360° view: customer, stage, amount, follow-ups with next steps, quotes, payments; another rep's deal is not found", async () => {
    const v = (await get('甲销售', `/app/api/deals/${d1}`)).json();
    expect(v).toMatchObject({ no: d1, title: '球阀', stageLabel: '初访', amountFen: 3_000_000, customer: { name: '温州阀门厂', ownerName: '甲销售', phone: '13900002222' } });
    expect(v.followUps.find((f: any) => f.dealNo === d1)).toMatchObject({ summary: expect.stringContaining('客户要球阀'), nextStep: '报方案', kindLabel: '电话', authorName: '甲销售' });
    expect(v.followUps.find((f: any) => f.dealNo === d2)).toMatchObject({ nextStep: '出报价' });
    expect(v.quotes).toEqual([expect.objectContaining({ amountFen: 2_000_000, status: 'pending', statusLabel: '审批中' })]);
    expect(v.payments).toBeNull();
    // The page's script: app.js and the chunks it names (the screens loaded on demand); nothing else is served.
    const entry = await app.server.inject({ url: '/app/assets/app.js' });
    expect(entry.headers['cache-control']).toBe('no-cache');
    const chunks = [...entry.body.matchAll(/"\.\/([A-Za-z0-9_-]+\.js)"/g)].map((m) => m[1]!);
    expect(chunks.some((c) => c.startsWith('team-'))).toBe(true);
    for (const c of chunks) {
      const r = await app.server.inject({ url: `/app/assets/${c}` });
      expect(r.statusCode, c).toBe(200);
      expect(r.headers['cache-control'], c).toContain('immutable');
    }
    expect((await app.server.inject({ url: '/app/assets/..%2Fcompose.js' })).statusCode).toBe(404);
    expect((await app.server.inject({ url: '/app/assets/nothing.js' })).statusCode).toBe(404);
    const other = await get('甲销售', `/app/api/deals/${theirs}`);
    expect(other.statusCode).toBe(404);
    expect(other.json().message).toBe(`没有找到你能查看的商机 ${theirs}。`);
    expect(other.body).not.toContain('台州泵业');
    expect((await get('吴经理', `/app/api/deals/${theirs}`)).json()).toMatchObject({ customerName: '台州泵业' });
  });

  it('approves from the page through the decision service: CSRF required, never one’s own, once only, and the card copies update', async () => {
    const list = (await get('吴经理', '/app/api/approvals')).json().approvals;
    expect(list).toEqual([expect.objectContaining({ no: approval, dealNo: d1, dealTitle: '球阀', customerName: '温州阀门厂', requesterName: '甲销售', roleLabel: '直属上级', amountFen: 2_000_000 })]);
    expect((await get('甲销售', '/app/api/approvals')).json().approvals).toEqual([]);

    const decide = (who: string, body: unknown, csrf: string | null = session[who]!.csrf) =>
      app.server.inject({ method: 'POST', url: `/app/api/approvals/${approval}/decision`, headers: { cookie: session[who]!.cookie, ...(csrf !== null ? { 'x-csrf-token': csrf } : {}) }, payload: body as object });
    const steps = async () => (await t().db.select().from(approvalSteps)).map((s) => s.status);
    const outboxCount = async () => Number((await t().db.select({ n: sql<number>`count(*)::int` }).from(outbox))[0]!.n);

    // No CSRF token (a cross-site form): refused before anything is read.
    const forged = await decide('吴经理', { decision: 'approved' }, null);
    expect(forged.statusCode).toBe(403);
    expect(forged.json().message).toBe('页面已过期，请刷新后重试。');
    expect(await decide('吴经理', { decision: 'approved' }, 'not-the-token').then((r) => r.statusCode)).toBe(403);
    // The requester cannot decide their own request; a stranger is not an approver; a rejection needs a reason.
    const own = await decide('甲销售', { decision: 'approved' });
    expect(own.statusCode).toBe(403);
    expect(own.json().message).toBe(`审批 ${approval} 是你发起的，不能自己审批。`);
    expect((await decide('冯经理', { decision: 'approved' })).json().message).toBe(`你不是审批 ${approval} 的审批人，无法操作。`);
    expect((await decide('吴经理', { decision: 'rejected' })).json().message).toContain('驳回需要写原因');
    expect((await decide('吴经理', { decision: 'rejected', comment: '\u200b\u202e ' })).json().message).toContain('驳回需要写原因');
    const long = await decide('吴经理', { decision: 'rejected', comment: '太'.repeat(501) });
    expect(long.statusCode).toBe(400);
    expect(long.json().message).toContain('审批意见');
    expect((await decide('吴经理', { decision: 'maybe' })).statusCode).toBe(400);
    expect(await steps()).toEqual(['pending']);

    const before = await outboxCount();
    const ok = await decide('吴经理', { decision: 'approved', comment: '价格可以' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ no: approval, outcome: 'approved', message: `已批准 ${approval}，审批已全部通过，已通知 甲销售。` });
    expect(await steps()).toEqual(['approved']);
    const [request] = await t().db.select().from(approvalRequests);
    expect(request!.status).toBe('approved');
    // The card's copies get their final state queued (in the same transaction) and delivered in place.
    const copies = await t().db.select().from(sentCards).where(eq(sentCards.subjectId, request!.id));
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) {
      const [row] = await t().db.select().from(outbox).where(and(sql`${outbox.payload}->>'op' = 'update'`, sql`${outbox.target}->>'cardRef' = ${c.cardRef}`));
      expect((row!.payload as any).card).toMatchObject({ state: 'success', buttons: [] });
    }
    const updates = (await chat.inbox('吴经理')).filter((e) => e.kind === 'update');
    expect(updates.at(-1)).toMatchObject({ kind: 'update', card: { state: 'success', buttons: [] } });
    const told = (await chat.inbox('甲销售')).map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join('\n');
    expect(told).toContain(`${approval} 已通过`);

    // A double click: the second decision changes nothing and queues nothing.
    const afterFirst = await outboxCount();
    expect(afterFirst).toBeGreaterThan(before);
    const twice = await decide('吴经理', { decision: 'approved', comment: '价格可以' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().message).toContain('无需再操作');
    expect(await outboxCount()).toBe(afterFirst);
    expect(await steps()).toEqual(['approved']);
    expect(await t().db.select().from(auditLog).where(eq(auditLog.action, 'approval.approved'))).toHaveLength(1);
    expect((await get('吴经理', '/app/api/approvals')).json().approvals).toEqual([]);
  });

  it("the 360° view shows a won deal's payments as /回款 computes them", async () => {
    // The approved quote lets D1 be won; the rep records ¥10,000 received.
    expect((await chat.say('甲销售', `/推进 ${d1} 签约`)).text).toContain('恭喜签约');
    expect((await chat.say('甲销售', `/回款 ${d1} 1万`)).text).toContain('¥10,000.00');
    const v = (await get('甲销售', `/app/api/deals/${d1}`)).json();
    expect(v).toMatchObject({ stageLabel: '签约', closed: true, due: null });
    const [deal] = await t().db.select().from(deals).where(eq(deals.shortNo, Number(d1.slice(2))));
    const paid = (await collectionOfDeals(t().db, [deal!], now, 'Asia/Shanghai')).get(deal!.id)!;
    expect(v.payments).toEqual({ planFen: paid.planFen, receivedFen: 1_000_000, outstandingFen: paid.planFen - 1_000_000, overdueFen: paid.overdueFen });
    expect(v.quotes).toEqual([expect.objectContaining({ status: 'approved', statusLabel: '已通过' })]);
  });
});
