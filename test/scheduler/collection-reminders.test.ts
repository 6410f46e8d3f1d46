import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { outbox, teams, users } from '../../src/db/schema/index.js';
import { runRulesTick } from '../../src/scheduler/rules-tick.js';
import { buildTeamDigest } from '../../src/services/digests.js';
import { buildDigestCard } from '../../cards/digest-card.js';
import { renderConsoleCard } from '../../cards/console/render.js';
import type { MailboxEntry } from '../../bots/console/mailbox.js';
import { createChat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { dealOf, moneyTeam } from '../helpers/money.js';

const texts = (entries: MailboxEntry[]) => entries.map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : ''));

// 2026-12-03 is a Thursday, 12-05/06 the weekend; times are Asia/Shanghai. Quiet hours 21:00–08:00 and weekends,
// working hours 09:00–18:00 (the defaults).
describe(`collection reminders and escalation with the scheduler's clock (${testDriver()})`, () => {
  const t = useTestDb();

  it('nudges owner and finance when an unpaid instalment falls due, once, inside working hours; escalates N days later to the manager', async () => {
    const { db } = t();
    const clock = createClock('2026-12-03T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    const p = await moneyTeam(t(), chat, '催', clock.now());
    const paid = await dealOf(chat, p.rep, '催一阀门', '球阀', '10万');
    const unpaid = await dealOf(chat, p.rep, '催二阀门', '蝶阀', '10万');
    await chat.say(p.rep, `/回款计划 ${paid} 30% 12-07 70% 2027-01-29`);
    await chat.say(p.rep, `/回款计划 ${unpaid} 30% 12-07 70% 2027-01-29`);
    await chat.say(p.finance, `/回款 ${paid} 3万`); // covers the first instalment of that deal
    await chat.say(p.finance, `/回款 ${unpaid} 1万`); // leaves ¥20,000 of it open
    expect((await chat.say(p.admin, '/设置 回款 3')).text).toContain('到期 3 天后仍未回清');
    await chat.inbox(p.rep);

    clock.set('2026-12-06T15:00:00+08:00'); // Sunday, nothing due yet
    await runRulesTick(db, clock.now());
    expect(await chat.inbox(p.rep)).toHaveLength(0);

    clock.set('2026-12-07T07:30:00+08:00'); // due today, but quiet hours until 08:00 and work starts at 09:00
    expect((await runRulesTick(db, clock.now())).paymentsDue).toBe(0);
    clock.set('2026-12-07T08:30:00+08:00'); // out of quiet hours, not yet working hours
    expect((await runRulesTick(db, clock.now())).paymentsDue).toBe(0);

    clock.set('2026-12-07T09:00:00+08:00');
    const tick = await runRulesTick(db, clock.now());
    expect(tick.paymentsDue).toBe(2); // the owner and finance, for the unpaid deal only
    const queued = await queryRows<{ text: string }>(
      db,
      sql`select payload->'message'->>'text' as text from outbox where payload->'message'->>'text' like '💰 回款%到期%'`,
    );
    expect(queued).toHaveLength(2);
    expect(queued.every((q) => q.text.includes(unpaid) && !q.text.includes(paid))).toBe(true);
    expect((await runRulesTick(db, clock.now())).paymentsDue).toBe(0);

    clock.set('2026-12-07T09:01:00+08:00');
    const rep = texts(await chat.inbox(p.rep));
    expect(rep).toHaveLength(1);
    expect(rep[0]).toContain(`💰 回款提醒：${unpaid} 催二阀门 · 蝶阀 第 1 期 ¥30,000.00 今天到期，未回款 ¥20,000.00`);
    const fin = texts(await chat.inbox(p.finance));
    expect(fin).toHaveLength(1);
    expect(fin[0]).toContain(`（负责人 ${p.rep}）`);
    expect(await chat.inbox(p.manager)).toHaveLength(0);

    clock.set('2026-12-09T10:00:00+08:00'); // two days overdue: not yet
    await runRulesTick(db, clock.now());
    expect(await chat.inbox(p.manager)).toHaveLength(0);
    clock.set('2026-12-10T10:00:00+08:00'); // three days
    expect((await runRulesTick(db, clock.now())).paymentEscalations).toBe(1);
    const mgr = texts(await chat.inbox(p.manager));
    expect(mgr).toEqual([`🔺 回款逾期超过 3 天：${unpaid} 催二阀门 · 蝶阀 第 1 期 ¥30,000.00（2026-12-07 到期），未回款 ¥20,000.00，负责人 ${p.rep}。请督促催款。`]);
    await runRulesTick(db, clock.now());
    expect(await chat.inbox(p.manager)).toHaveLength(0);
    // A week after the wins the rep also gets each deal's 回访 task (services/after-win.ts); no payment message again.
    const later = texts(await chat.inbox(p.rep));
    expect(later.filter((x) => x.includes('回款'))).toEqual([]);
    expect(later.every((x) => x.includes('回访'))).toBe(true);

    // Two schedulers at once still claim each reminder once.
    clock.set('2027-01-29T10:00:00+08:00');
    const [a, b] = await Promise.all([runRulesTick(db, clock.now()), runRulesTick(db, clock.now())]);
    expect(a.paymentsDue + b.paymentsDue).toBe(4); // second instalments of both deals, owner + finance each
    const dups = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from nudges group by subject_id, kind, episode having count(*) > 1`);
    expect(dups).toHaveLength(0);
  });

  it('the digest shows the month collection against plan (回款达成率)', async () => {
    const { db } = t();
    const clock = createClock('2026-12-03T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    const p = await moneyTeam(t(), chat, '报', clock.now());
    const [rep] = await db.select().from(users).where(eq(users.name, p.rep));
    const [team] = await db.insert(teams).values({ tenantId: rep!.tenantId, name: '报组' }).returning();
    await db.update(users).set({ teamId: team!.id }).where(eq(users.name, p.rep));
    const a = await dealOf(chat, p.rep, '报一五金', '紧固件', '10万');
    const b = await dealOf(chat, p.rep, '报二五金', '螺栓', '5万');
    await chat.say(p.rep, `/回款计划 ${a} 50% 12-20 50% 2027-01-20`); // 5万 due this month
    await chat.say(p.rep, `/回款计划 ${b} 3万 12-28 2万 2027-02-20`); // 3万 due this month
    await chat.say(p.finance, `/回款 ${a} 6万`);
    clock.set('2026-12-21T08:30:00+08:00');
    const digest = await buildTeamDigest(db, { id: team!.id, name: team!.name, tenantId: rep!.tenantId }, clock.now(), 'Asia/Shanghai', 48);
    expect(digest.collection).toEqual({ plannedFen: 8_000_000, receivedFen: 6_000_000 });
    const card = renderConsoleCard(buildDigestCard({ ...digest, pipeline: [], conversion: [] }));
    expect(card).toContain('已回 ¥60,000.00 / 计划 ¥80,000.00 · 回款达成率 75%');
    expect(await db.select().from(outbox).where(eq(outbox.status, 'dead'))).toHaveLength(0);
  });
});
