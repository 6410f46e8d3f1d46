// The manager's day: their team's due and escalated deals grouped by rep, stagnant deals, new leads nobody has
// contacted, and handovers waiting; and /团队, each report's numbers. The team is whoever the actor may see
// (visibility.ts: a manager's reports down the reporting line, everyone for a director), minus the actor.
import { sql } from 'drizzle-orm';
import { at, queryRows } from '../db/rows.js';
import { wallClock, zonedTime } from '../domain/dates.js';
import { dueOf, dueRules, type Due } from '../domain/due.js';
import { seesAll } from '../domain/roles.js';
import type { Stage } from '../domain/stages.js';
import type { Ctx } from './context.js';
import { RAW_DEAL_COLUMNS, dueAtSql } from './due.js';
import { EPISODE_SQL, SNOOZED_SQL } from './nudges.js';
import { tenantSettings } from './tenant-settings.js';
import { visibleOwnerIds } from './visibility.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * The people whose work the actor oversees, or [] for someone without a team; `only` (the dashboard's filter,
 * already checked by visibility.ts ownersInFilter) narrows it further.
 */
async function teamOwnerIds(ctx: Ctx, only?: string[] | null): Promise<string[] | null> {
  if (ctx.actor.role !== 'manager' && !seesAll(ctx.actor.role)) return [];
  const owners = await visibleOwnerIds(ctx);
  const team = owners === null ? null : owners.filter((id) => id !== ctx.actor.userId);
  if (!only) return team;
  return team === null ? only.filter((id) => id !== ctx.actor.userId) : team.filter((id) => only.includes(id));
}

const ownerClause = (owners: string[] | null) =>
  owners === null ? sql`true` : sql`d.owner_id = any(${`{${owners.join(',')}}`}::uuid[])`;

export interface TeamDeal {
  shortNo: number;
  ownerId: string;
  title: string;
  customerName: string;
  ownerName: string;
  stage: Stage;
  lastActivityAt: Date;
  nextDueAt: Date | null;
  due: Due;
  escalated: boolean;
}

export interface TeamTodos {
  /** Due deals per rep (escalated first within a rep), reps in name order. */
  dueByRep: Array<{ ownerId: string; ownerName: string; deals: TeamDeal[] }>;
  stagnant: Array<{ shortNo: number; title: string; customerName: string; ownerName: string; stage: Stage; days: number }>;
  newLeads: Array<{ shortNo: number; title: string; customerName: string; ownerName: string; hours: number }>;
  handovers: Array<{ fromName: string; toName: string; createdAt: Date }>;
}

export async function teamTodos(ctx: Ctx, only?: string[] | null): Promise<TeamTodos | undefined> {
  const owners = await teamOwnerIds(ctx, only);
  if (owners !== null && owners.length === 0) return undefined;
  const settings = await tenantSettings(ctx.db, ctx.actor.tenantId);
  const rules = dueRules(settings);
  const tenant = ctx.actor.tenantId;
  const now = at(ctx.now);
  const base = sql`from deals d join users u on u.id = d.owner_id join customers c on c.id = d.customer_id
    where d.tenant_id = ${tenant} and d.closed_at is null and ${ownerClause(owners)}`;

  const due = await queryRows<{ short_no: number; owner_id: string; title: string; customer_name: string; owner_name: string; stage: Stage;
    last_activity_at: string; next_due_at: string | null; snoozed_until: string | null; escalated: boolean }>(
    ctx.db,
    sql`select d.short_no, d.owner_id, d.title, c.name as customer_name, u.name as owner_name, d.stage, d.last_activity_at, d.next_due_at,
          ${SNOOZED_SQL} as snoozed_until,
          exists (select 1 from nudges n where n.subject_id = d.id and n.kind = 'overdue' and n.episode = ${EPISODE_SQL}
                  and n.escalated_at is not null) as escalated
        ${base} and ${dueAtSql(rules, { ...RAW_DEAL_COLUMNS, snoozedUntil: SNOOZED_SQL })} <= ${now}
        order by u.name, d.owner_id, d.short_no limit 200`,
  );
  const dueByRep: TeamTodos['dueByRep'] = [];
  for (const r of due) {
    const lastActivityAt = new Date(r.last_activity_at);
    const nextDueAt = r.next_due_at ? new Date(r.next_due_at) : null;
    const deal: TeamDeal = {
      shortNo: r.short_no, ownerId: r.owner_id, title: r.title, customerName: r.customer_name, ownerName: r.owner_name, stage: r.stage,
      lastActivityAt, nextDueAt, escalated: !!r.escalated,
      due: dueOf({ lastActivityAt, nextDueAt, snoozedUntil: r.snoozed_until ? new Date(r.snoozed_until) : null }, rules),
    };
    const group = dueByRep.at(-1)?.ownerId === r.owner_id ? dueByRep.at(-1)! : (dueByRep.push({ ownerId: r.owner_id, ownerName: r.owner_name, deals: [] }), dueByRep.at(-1)!);
    group.deals.push(deal);
  }
  for (const g of dueByRep) g.deals.sort((a, b) => Number(b.escalated) - Number(a.escalated) || a.due.at.getTime() - b.due.at.getTime());

  const stagnantCutoff = at(new Date(ctx.now.getTime() - settings.nudges.stagnantDays * DAY));
  const stagnant = await queryRows<{ short_no: number; title: string; customer_name: string; owner_name: string; stage: Stage; stage_entered_at: string }>(
    ctx.db,
    sql`select d.short_no, d.title, c.name as customer_name, u.name as owner_name, d.stage, d.stage_entered_at
        ${base} and d.stage_entered_at <= ${stagnantCutoff} order by d.stage_entered_at limit 50`,
  );

  const leadCutoff = at(new Date(ctx.now.getTime() - settings.nudges.newLeadHours * HOUR));
  const newLeads = await queryRows<{ short_no: number; title: string; customer_name: string; owner_name: string; created_at: string }>(
    ctx.db,
    sql`select d.short_no, d.title, c.name as customer_name, u.name as owner_name, d.created_at
        ${base} and d.stage = 'lead' and d.created_at <= ${leadCutoff}
          and not exists (select 1 from follow_ups f where f.deal_id = d.id and f.undone_at is null)
        order by d.created_at limit 50`,
  );

  const handoverOwners = owners === null ? sql`true` : sql`(h.from_user_id = any(${`{${owners.join(',')}}`}::uuid[]) or h.to_user_id = any(${`{${owners.join(',')}}`}::uuid[]))`;
  const handovers = await queryRows<{ from_name: string; to_name: string; created_at: string }>(
    ctx.db,
    sql`select f.name as from_name, t.name as to_name, h.created_at from handovers h
        join users f on f.id = h.from_user_id join users t on t.id = h.to_user_id
        where h.tenant_id = ${tenant} and h.status = 'pending' and ${handoverOwners} order by h.created_at limit 50`,
  );

  return {
    dueByRep,
    stagnant: stagnant.map((r) => ({
      shortNo: r.short_no, title: r.title, customerName: r.customer_name, ownerName: r.owner_name, stage: r.stage,
      days: Math.floor((ctx.now.getTime() - new Date(r.stage_entered_at).getTime()) / DAY),
    })),
    newLeads: newLeads.map((r) => ({
      shortNo: r.short_no, title: r.title, customerName: r.customer_name, ownerName: r.owner_name,
      hours: Math.floor((ctx.now.getTime() - new Date(r.created_at).getTime()) / HOUR),
    })),
    handovers: handovers.map((r) => ({ fromName: r.from_name, toName: r.to_name, createdAt: new Date(r.created_at) })),
  };
}

export interface ReportRow {
  userId: string;
  name: string;
  openDeals: number;
  amountFen: number;
  due: number;
  followUpsThisWeek: number;
  lastFollowUpAt: Date | null;
}

/** Local Monday 00:00 of `now`'s week. */
export function weekStart(now: Date, tz: string): Date {
  const w = wallClock(now, tz);
  return zonedTime({ year: w.year, month: w.month, day: w.day - (w.weekday - 1), hour: 0, minute: 0 }, tz);
}

/** /团队: one row per person the actor oversees (undefined for someone without a team). */
export async function teamOverview(ctx: Ctx, only?: string[] | null): Promise<ReportRow[] | undefined> {
  const owners = await teamOwnerIds(ctx, only);
  if (owners !== null && owners.length === 0) return undefined;
  const rules = dueRules(await tenantSettings(ctx.db, ctx.actor.tenantId));
  const people = owners === null ? sql`u.id <> ${ctx.actor.userId}` : sql`u.id = any(${`{${owners.join(',')}}`}::uuid[])`;
  const rows = await queryRows<{ id: string; name: string; open_deals: number; amount: string; due: number; week: number; last_at: string | null }>(
    ctx.db,
    sql`select u.id, u.name,
          (select count(*)::int from deals d where d.owner_id = u.id and d.closed_at is null) as open_deals,
          (select coalesce(sum(d.amount_fen), 0)::text from deals d where d.owner_id = u.id and d.closed_at is null) as amount,
          (select count(*)::int from deals d where d.owner_id = u.id and d.closed_at is null
             and ${dueAtSql(rules, { ...RAW_DEAL_COLUMNS, snoozedUntil: SNOOZED_SQL })} <= ${at(ctx.now)}) as due,
          (select count(*)::int from follow_ups f where f.author_id = u.id and f.undone_at is null
             and f.created_at >= ${at(weekStart(ctx.now, ctx.timeZone))}) as week,
          (select max(f.created_at) from follow_ups f where f.author_id = u.id and f.undone_at is null) as last_at
        from users u where u.tenant_id = ${ctx.actor.tenantId} and u.active and ${people} order by u.name`,
  );
  return rows.map((r) => ({
    userId: r.id, name: r.name, openDeals: Number(r.open_deals), amountFen: Number(r.amount), due: Number(r.due),
    followUpsThisWeek: Number(r.week), lastFollowUpAt: r.last_at ? new Date(r.last_at) : null,
  }));
}

/** Local Monday 00:00 of each of the last `weeks` weeks (oldest first) and the Monday after the current one. */
export function weekStarts(now: Date, tz: string, weeks: number): Date[] {
  const w = wallClock(weekStart(now, tz), tz);
  return Array.from({ length: weeks + 1 }, (_, i) => zonedTime({ year: w.year, month: w.month, day: w.day - 7 * (weeks - 1 - i), hour: 0, minute: 0 }, tz));
}

/**
 * Follow-ups each person logged per week over the last `weeks` weeks (oldest first; the last is this week, counted
 * as /团队's 本周跟进: by author, undone ones left out), for the dashboard's activity heatmap.
 */
export async function followUpWeeks(ctx: Ctx, userIds: readonly string[], weeks = 8): Promise<{ weekStarts: Date[]; counts: Map<string, number[]> }> {
  const bounds = weekStarts(ctx.now, ctx.timeZone, weeks);
  const counts = new Map(userIds.map((id) => [id, Array.from({ length: weeks }, () => 0)]));
  if (userIds.length > 0) {
    const rows = await queryRows<{ author_id: string; bucket: number; n: number }>(
      ctx.db,
      sql`select f.author_id, width_bucket(f.created_at, ${`{${bounds.map((b) => b.toISOString()).join(',')}}`}::timestamptz[])::int as bucket, count(*)::int as n
          from follow_ups f
          where f.tenant_id = ${ctx.actor.tenantId} and f.author_id = any(${`{${userIds.join(',')}}`}::uuid[]) and f.undone_at is null
            and f.created_at >= ${at(bounds[0]!)} and f.created_at < ${at(bounds[weeks]!)}
          group by 1, 2`,
    );
    for (const r of rows) {
      const list = counts.get(r.author_id);
      if (list && r.bucket >= 1 && r.bucket <= weeks) list[r.bucket - 1] = Number(r.n);
    }
  }
  return { weekStarts: bounds.slice(0, weeks), counts };
}
