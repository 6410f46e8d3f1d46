// The funnel figures shared by /漏斗 and the daily digest, so the two always agree: open pipeline by stage (count,
// amount, weighted amount), stage conversion over deals opened in the period, and the average cycle of deals won
// in it. Computed for many groups at once (a digest's teams, or one /漏斗 viewer's visible owners).
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { wallClock, zonedTime } from '../domain/dates.js';
import { OPEN_STAGES, PIPELINE, type Stage } from '../domain/stages.js';
import type { Ctx } from './context.js';
import { visibleOwnerIds } from './visibility.js';

const DAY = 86_400_000;

export interface FunnelStats {
  pipeline: Array<{ stage: Stage; count: number; amountFen: number; weightedFen: number }>;
  /** Of the deals opened in the period that reached stage k, the share that reached k+1 (null: none reached k). */
  conversion: Array<{ from: Stage; to: Stage; rate: number | null }>;
  /** Average days from creation to 签约 of deals won in the period; null when none was won ("暂无成交"). */
  avgCycleDays: number | null;
  wonCount: number;
}

export type FunnelPeriod = 'month' | 'quarter' | 'last90';
export const FUNNEL_PERIOD_LABELS: Record<FunnelPeriod, string> = { month: '本月', quarter: '本季', last90: '近90天' };

/** The period's first instant: local start of month / quarter, or 90 days back. */
export function periodStart(period: FunnelPeriod, now: Date, tz: string): Date {
  if (period === 'last90') return new Date(now.getTime() - 90 * DAY);
  const w = wallClock(now, tz);
  const month = period === 'month' ? w.month : Math.floor((w.month - 1) / 3) * 3 + 1;
  return zonedTime({ year: w.year, month, day: 1, hour: 0, minute: 0 }, tz);
}

/**
 * `members` is a subquery `(select id, grp ...)` of owners tagged with their group; the result has an entry for
 * every group in `groups`, in the same figures whichever caller asks.
 */
export async function funnelByGroup(db: DbOrTx, tenantId: string, members: SQL, groups: readonly string[], since: Date): Promise<Map<string, FunnelStats>> {
  const from = at(since);
  const pipe = await queryRows<{ grp: string; stage: Stage; n: number; fen: string; weighted: string }>(
    db,
    sql`select m.grp, d.stage, count(*)::int as n, coalesce(sum(d.amount_fen), 0)::text as fen,
          coalesce(sum(d.amount_fen * d.probability / 100.0), 0)::text as weighted
        from deals d join ${members} m on m.id = d.owner_id
        where d.tenant_id = ${tenantId} and d.closed_at is null group by m.grp, d.stage`,
  );
  const reached = await queryRows<{ grp: string; max_idx: number; n: number }>(
    db,
    sql`select x.grp, x.max_idx, count(*)::int as n from (
          select m.grp, d.id, max(case h.stage when 'lead' then 0 when 'first_visit' then 1 when 'proposal' then 2
                                               when 'quote' then 3 when 'won' then 4 else 0 end) as max_idx
          from deals d join ${members} m on m.id = d.owner_id join stage_history h on h.deal_id = d.id
          where d.tenant_id = ${tenantId} and d.created_at >= ${from}
          group by m.grp, d.id) x group by x.grp, x.max_idx`,
  );
  const cycles = await queryRows<{ grp: string; days: string | null; n: number }>(
    db,
    sql`select m.grp, (avg(extract(epoch from d.closed_at - d.created_at)) / 86400)::text as days, count(*)::int as n
        from deals d join ${members} m on m.id = d.owner_id
        where d.tenant_id = ${tenantId} and d.stage = 'won' and d.closed_at >= ${from} group by m.grp`,
  );
  const out = new Map<string, FunnelStats>();
  for (const g of groups) {
    const rows = reached.filter((r) => r.grp === g);
    const atLeast = (k: number) => rows.filter((r) => Number(r.max_idx) >= k).reduce((a, r) => a + Number(r.n), 0);
    const cycle = cycles.find((c) => c.grp === g);
    out.set(g, {
      pipeline: OPEN_STAGES.map((stage) => {
        const r = pipe.find((x) => x.grp === g && x.stage === stage);
        return { stage, count: Number(r?.n ?? 0), amountFen: Number(r?.fen ?? 0), weightedFen: Math.round(Number(r?.weighted ?? 0)) };
      }),
      conversion: PIPELINE.slice(0, -1).map((fromStage, k) => {
        const base = atLeast(k);
        return { from: fromStage, to: PIPELINE[k + 1]!, rate: base === 0 ? null : atLeast(k + 1) / base };
      }),
      avgCycleDays: cycle?.days == null ? null : Math.round(Number(cycle.days) * 10) / 10,
      wonCount: Number(cycle?.n ?? 0),
    });
  }
  return out;
}

const membersOf = (ctx: Ctx, owners: string[] | null) =>
  owners === null
    ? sql`(select id, 'all' as grp from users where tenant_id = ${ctx.actor.tenantId})`
    : sql`(select id, 'all' as grp from users where id = any(${`{${owners.join(',')}}`}::uuid[]))`;

/**
 * /漏斗: the funnel of the actor's own deals, or of every owner they may see (visibility.ts); the dashboard passes
 * the owners its filter selected (visibility.ts ownersInFilter, never more than the actor may see).
 */
export async function funnelFor(ctx: Ctx, scope: 'mine' | 'visible' | { ownerIds: string[] | null }, period: FunnelPeriod): Promise<FunnelStats & { since: Date }> {
  const owners = scope === 'mine' ? [ctx.actor.userId] : scope === 'visible' ? await visibleOwnerIds(ctx) : scope.ownerIds;
  const since = periodStart(period, ctx.now, ctx.timeZone);
  const stats = (await funnelByGroup(ctx.db, ctx.actor.tenantId, membersOf(ctx, owners), ['all'], since)).get('all')!;
  return { ...stats, since };
}

/**
 * Cycle time per stage: the average days deals of these owners spent in each open stage, over the stays that
 * ended (the deal moved on, won or lost) in the period; null for a stage no deal left in it.
 */
export async function stageDaysFor(ctx: Ctx, owners: string[] | null, period: FunnelPeriod): Promise<Array<{ stage: Stage; days: number | null; count: number }>> {
  const from = at(periodStart(period, ctx.now, ctx.timeZone));
  const rows = await queryRows<{ stage: Stage; days: string | null; n: number }>(
    ctx.db,
    sql`select h.stage, (avg(extract(epoch from h.left_at - h.entered_at)) / 86400)::text as days, count(*)::int as n
        from stage_history h join deals d on d.id = h.deal_id join ${membersOf(ctx, owners)} m on m.id = d.owner_id
        where h.tenant_id = ${ctx.actor.tenantId} and h.left_at is not null and h.left_at >= ${from} and h.left_at <= ${at(ctx.now)}
        group by h.stage`,
  );
  return OPEN_STAGES.map((stage) => {
    const r = rows.find((x) => x.stage === stage);
    return { stage, days: r?.days == null ? null : Math.round(Number(r.days) * 10) / 10, count: Number(r?.n ?? 0) };
  });
}
