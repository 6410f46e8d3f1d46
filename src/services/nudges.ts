// The 48-hour nudge and its escalation: one nudge per (deal, silence episode), claimed with a unique row so
// several schedulers send it once; a follow-up starts a new episode; a snooze moves the clock once per episode.
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { buildNudgeCard } from '../../cards/nudge-card.js';
import type { Db, DbOrTx } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { customers, deals, followUps, nudges, users } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { nextAllowedTime } from '../domain/quiet-hours.js';
import { notifyUser } from '../outbox/enqueue.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { shortId } from './counters.js';
import type { Deal } from './deals.js';
import { dealShortId } from './deals.js';
import type { TenantRules } from './tenant-settings.js';
import { usersWithRole } from './users.js';
import { assertMayChange } from './visibility.js';

/** The silence episode a deal is in: identified by the instant of its last activity. */
export const EPISODE_SQL = sql.raw(`((extract(epoch from d.last_activity_at) * 1000)::bigint)::text`);
export const episodeOf = (lastActivityAt: Date) => String(lastActivityAt.getTime());
const BATCH = 500;

/** Open deals silent since before `cutoff` with no nudge for their current episode (uses the partial index). */
export async function claimOverdueNudges(db: DbOrTx, tenantId: string, cutoff: Date, sendAt: Date, limit = BATCH) {
  return queryRows<{ subject_id: string }>(
    db,
    sql`insert into nudges (tenant_id, subject_id, kind, episode, sent_at)
        select d.tenant_id, d.id, 'overdue', ${EPISODE_SQL}, ${at(sendAt)}
        from deals d
        where d.closed_at is null and d.last_activity_at <= ${at(cutoff)} and d.tenant_id = ${tenantId}
          and not exists (select 1 from nudges n where n.subject_id = d.id and n.kind = 'overdue' and n.episode = ${EPISODE_SQL})
        order by d.last_activity_at
        limit ${limit}
        on conflict do nothing
        returning subject_id`,
  );
}

export async function scanOverdueDeals(db: Db, tenant: TenantRules, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - tenant.settings.nudges.silenceHours * 3600_000);
  const sendAt = nextAllowedTime(now, tenant.timeZone, tenant.settings.quietHours);
  let sent = 0;
  for (;;) {
    const n = await db.transaction(async (tx) => {
      const claimed = await claimOverdueNudges(tx, tenant.id, cutoff, sendAt);
      for (const { subject_id } of claimed) await sendNudge(tx, tenant, subject_id, now, sendAt, false);
      return claimed.length;
    });
    sent += n;
    if (n < BATCH) return sent;
  }
}

async function dealForNudge(db: DbOrTx, dealId: string) {
  const [row] = await db
    .select({ d: deals, customerName: customers.name, ownerName: users.name, managerId: users.managerId })
    .from(deals)
    .innerJoin(customers, eq(customers.id, deals.customerId))
    .innerJoin(users, eq(users.id, deals.ownerId))
    .where(eq(deals.id, dealId));
  const [last] = await db
    .select({ summary: followUps.summary })
    .from(followUps)
    .where(and(eq(followUps.dealId, dealId), isNull(followUps.undoneAt)))
    .orderBy(desc(followUps.createdAt))
    .limit(1);
  return { ...row!, lastSummary: last?.summary };
}

async function sendNudge(db: DbOrTx, tenant: TenantRules, dealId: string, now: Date, sendAt: Date, escalation: boolean) {
  const info = await dealForNudge(db, dealId);
  const card = buildNudgeCard({
    dealId: shortId('deal', info.d.shortNo),
    title: info.d.title,
    customerName: info.customerName,
    ownerName: info.ownerName,
    hoursSilent: Math.floor((now.getTime() - info.d.lastActivityAt.getTime()) / 3600_000),
    ...(info.lastSummary ? { lastFollowUp: info.lastSummary } : {}),
    escalation,
  });
  const episode = episodeOf(info.d.lastActivityAt);
  if (!escalation) {
    await notifyUser(db, tenant.id, info.d.ownerId, { type: 'card', card }, { notBefore: sendAt, dedupKey: `nudge:${dealId}:${episode}` });
    return;
  }
  const managers = info.managerId ? [info.managerId] : (await usersWithRole(db, tenant.id, 'director')).map((u) => u.id);
  for (const m of managers) {
    await notifyUser(db, tenant.id, m, { type: 'card', card }, { notBefore: sendAt, dedupKey: `escalate:${dealId}:${episode}:${m}` });
  }
}

/** Nudged deals still silent `escalateAfterHours` after the nudge (or after the snooze ends) → the manager. */
export async function scanEscalations(db: Db, tenant: TenantRules, now: Date): Promise<number> {
  const after = tenant.settings.nudges.escalateAfterHours * 3600_000;
  const sendAt = nextAllowedTime(now, tenant.timeZone, tenant.settings.quietHours);
  return db.transaction(async (tx) => {
    const due = await queryRows<{ subject_id: string }>(
      tx,
      sql`update nudges n set escalated_at = ${at(now)}
          from deals d
          where n.subject_id = d.id and n.kind = 'overdue' and n.tenant_id = ${tenant.id} and n.escalated_at is null
            and d.closed_at is null and n.episode = ${EPISODE_SQL}
            and coalesce(n.snoozed_until, n.sent_at) <= ${at(new Date(now.getTime() - after))}
          returning n.subject_id`,
    );
    for (const { subject_id } of due) await sendNudge(tx, tenant, subject_id, now, sendAt, true);
    return due.length;
  });
}

/** /推迟: moves this episode's escalation clock by the snooze period, once per episode. */
export async function snoozeNudge(ctx: Ctx, deal: Deal, hours: number): Promise<Date> {
  await assertMayChange(ctx, deal.ownerId, `商机 ${dealShortId(deal)}`);
  const episode = episodeOf(deal.lastActivityAt);
  const until = new Date(ctx.now.getTime() + hours * 3600_000);
  const [existing] = await ctx.db
    .select()
    .from(nudges)
    .where(and(eq(nudges.subjectId, deal.id), eq(nudges.kind, 'overdue'), eq(nudges.episode, episode)));
  if (existing?.snoozedUntil) {
    throw new DomainError('ALREADY_DECIDED', `${dealShortId(deal)} 这一轮提醒已经推迟过一次了，请记录跟进：/跟进 ${dealShortId(deal)} <内容>`);
  }
  if (existing) {
    await ctx.db.update(nudges).set({ snoozedUntil: until }).where(eq(nudges.id, existing.id));
  } else {
    // Snoozing before the nudge: claim the episode now so the nudge waits until the snooze ends.
    await ctx.db.insert(nudges).values({ tenantId: deal.tenantId, subjectId: deal.id, kind: 'overdue', episode, sentAt: ctx.now, snoozedUntil: until });
  }
  await recordAudit(ctx, { action: 'nudge.snooze', entityType: 'deal', entityId: deal.id, after: { until } });
  return until;
}

export async function nudgeStateOf(db: DbOrTx, dealIds: string[]) {
  if (dealIds.length === 0) return [];
  return db.select().from(nudges).where(and(inArray(nudges.subjectId, dealIds), eq(nudges.kind, 'overdue')));
}
