// The follow-up nudge (at the due time, src/domain/due.ts) and its escalation: one nudge per (deal, episode), claimed with a unique row so
// several schedulers send it once; a follow-up starts a new episode; a snooze moves the clock once per episode.
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { buildNudgeCard } from '../../cards/nudge-card.js';
import type { Db, DbOrTx } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { customers, deals, followUps, nudges, users } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { formatDate } from '../domain/dates.js';
import { deliveryTime, dueOf, dueRules, hasAgreement } from '../domain/due.js';
import { notifyUser } from '../outbox/enqueue.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { shortId } from './counters.js';
import type { Deal } from './deals.js';
import { dealShortId } from './deals.js';
import { RAW_DEAL_COLUMNS, dueAtSql } from './due.js';
import { tenantSettings, type TenantRules } from './tenant-settings.js';
import { usersWithRole } from './users.js';
import { assertMayChange } from './visibility.js';

/** The silence episode a deal is in: identified by the instant of its last activity. */
const EPISODE = `((extract(epoch from d.last_activity_at) * 1000)::bigint)::text`;
export const EPISODE_SQL = sql.raw(EPISODE);
export const episodeOf = (lastActivityAt: Date) => String(lastActivityAt.getTime());
const BATCH = 500;

/** This episode's snooze, for the due time (dueOf's snoozedUntil). */
export const SNOOZED_SQL = sql.raw(`(select sn.snoozed_until from nudges sn where sn.subject_id = d.id and sn.kind = 'overdue' and sn.episode = ${EPISODE})`);

/**
 * Open deals due for follow-up (src/domain/due.ts) whose episode has not been nudged yet. A snooze made before
 * the nudge left an unsent row (sent_at null) that moves the due time; the claim fills it in.
 */
export async function claimOverdueNudges(db: DbOrTx, tenant: TenantRules, now: Date, sendAt: Date, limit = BATCH) {
  const dueAt = dueAtSql(dueRules(tenant.settings), { ...RAW_DEAL_COLUMNS, snoozedUntil: SNOOZED_SQL });
  return queryRows<{ subject_id: string }>(
    db,
    sql`insert into nudges (tenant_id, subject_id, kind, episode, sent_at)
        select d.tenant_id, d.id, 'overdue', ${EPISODE_SQL}, ${at(sendAt)}
        from deals d
        where d.closed_at is null and d.tenant_id = ${tenant.id} and ${dueAt} <= ${at(now)}
          and not exists (select 1 from nudges n where n.subject_id = d.id and n.kind = 'overdue' and n.episode = ${EPISODE_SQL}
                          and n.sent_at is not null)
        order by ${dueAt}
        limit ${limit}
        on conflict on constraint nudges_subject_kind_episode do update set sent_at = excluded.sent_at where nudges.sent_at is null
        returning subject_id`,
  );
}

export async function scanOverdueDeals(db: Db, tenant: TenantRules, now: Date): Promise<number> {
  const sendAt = deliveryTime(now, tenant.timeZone, tenant.settings);
  let sent = 0;
  for (;;) {
    const n = await db.transaction(async (tx) => {
      const claimed = await claimOverdueNudges(tx, tenant, now, sendAt);
      for (const { subject_id } of claimed) await sendNudge(tx, tenant, subject_id, sendAt, sendAt, false);
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

/** `shownAt` is when the recipient reads it (the delivery time), so the silence it states is true then. */
async function sendNudge(db: DbOrTx, tenant: TenantRules, dealId: string, shownAt: Date, sendAt: Date, escalation: boolean) {
  const info = await dealForNudge(db, dealId);
  const agreed = hasAgreement(info.d) ? formatDate(info.d.nextDueAt!, tenant.timeZone, shownAt) : undefined;
  const card = buildNudgeCard({
    dealId: shortId('deal', info.d.shortNo),
    title: info.d.title,
    customerName: info.customerName,
    ownerName: info.ownerName,
    hoursSilent: Math.floor((shownAt.getTime() - info.d.lastActivityAt.getTime()) / 3600_000),
    ...(agreed ? { agreedAt: agreed } : {}),
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

/**
 * Nudged deals still without a follow-up the grace period (escalateAfterHours) after the nudge went out, after
 * the snooze ends, and after the agreed time (escalationAt) → the manager.
 */
export async function scanEscalations(db: Db, tenant: TenantRules, now: Date): Promise<number> {
  const rules = dueRules(tenant.settings);
  const sendAt = deliveryTime(now, tenant.timeZone, tenant.settings);
  const dueAt = dueAtSql(rules);
  return db.transaction(async (tx) => {
    const due = await queryRows<{ subject_id: string }>(
      tx,
      sql`update nudges n set escalated_at = ${at(now)}
          from deals d
          where n.subject_id = d.id and n.kind = 'overdue' and n.tenant_id = ${tenant.id} and n.escalated_at is null
            and n.sent_at is not null and d.closed_at is null and n.episode = ${EPISODE_SQL}
            and greatest(n.sent_at, coalesce(n.snoozed_until, n.sent_at), ${dueAt})
                <= ${at(new Date(now.getTime() - rules.escalateAfterHours * 3600_000))}
          returning n.subject_id`,
    );
    for (const { subject_id } of due) await sendNudge(tx, tenant, subject_id, sendAt, sendAt, true);
    return due.length;
  });
}

/** /推迟: moves this episode's escalation clock by the snooze period, once per episode. */
export async function snoozeNudge(ctx: Ctx, deal: Deal, hours: number): Promise<Date> {
  await assertMayChange(ctx, deal.ownerId, `商机 ${dealShortId(deal)}`);
  const episode = episodeOf(deal.lastActivityAt);
  const rules = dueRules(await tenantSettings(ctx.db, deal.tenantId));
  // The due time moves by the snooze period from whichever is later: now, or the time the deal falls due.
  const from = Math.max(ctx.now.getTime(), dueOf(deal, rules).at.getTime());
  const until = new Date(from + hours * 3600_000);
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
    // Snoozing before the nudge: an unsent row (sent_at null) that moves the due time; the scan sends it then.
    await ctx.db.insert(nudges).values({ tenantId: deal.tenantId, subjectId: deal.id, kind: 'overdue', episode, sentAt: null, snoozedUntil: until });
  }
  await recordAudit(ctx, { action: 'nudge.snooze', entityType: 'deal', entityId: deal.id, after: { until } });
  return until;
}
