// THE sales-performance figures (业绩): target, won, pipeline expected to close in the period (and weighted),
// coverage, forecast and gap, plus each rep's win rate and average deal size over the last 90 days. /业绩 and the
// daily digest call `salesPerformanceByGroup` (one set of grouped queries for many groups); a dashboard can too.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { teams, users } from '../db/schema/index.js';
import { zonedTime } from '../domain/dates.js';
import { DomainError } from '../domain/errors.js';
import { currentPeriod, type Period, type PeriodKind } from '../domain/periods.js';
import type { TenantSettings } from '../domain/settings.js';
import type { Ctx } from './context.js';
import { tenantSettings } from './tenant-settings.js';
import { findOnePerson } from './users.js';
import { visibleOwnerIds } from './visibility.js';

const DAY = 86_400_000;

/** Whose numbers: deals owned by `ownerIds`; the target is the teams' (when any is set for the period), else the owners' own. */
export interface PerformanceGroup {
  key: string;
  ownerIds: readonly string[];
  teamIds: readonly string[];
}

export interface RepRecord {
  userId: string;
  name: string;
  /** Deals closed in the last 90 days. */
  won: number;
  lost: number;
  /** Won ÷ (won + lost) in whole percent; null with nothing closed. */
  winRatePct: number | null;
  /** Average amount of the deals won in the last 90 days; null with none. */
  avgDealFen: number | null;
}

export interface SalesPerformance {
  period: Period;
  targetFen: number;
  /** Where the target came from: team targets, the people's own, or none set. */
  targetFrom: 'team' | 'people' | 'none';
  wonFen: number;
  wonCount: number;
  /** Open deals expected to close by the end of the period (expected_close_on, else the stage's typical days). */
  pipelineFen: number;
  pipelineCount: number;
  /** The same deals at their win probability. */
  weightedFen: number;
  /** Target − won, at least zero. */
  remainingFen: number;
  /** pipeline ÷ remaining target in tenths (23 = 2.3×); null when nothing remains. */
  coverageTenths: number | null;
  /** won + weighted. */
  forecastFen: number;
  /** target − forecast, at least zero. */
  gapFen: number;
  reps: RepRecord[];
}

const startOf = (day: string, tz: string) => {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return zonedTime({ year: y, month: m, day: d, hour: 0, minute: 0 }, tz);
};
const arr = (xs: readonly string[], type: 'text' | 'uuid') => sql`${`{${xs.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`}::${sql.raw(type)}[]`;

/** The performance of each group over `period`, as of `now`; one grouped query per figure whatever the number of groups. */
export async function salesPerformanceByGroup(
  db: DbOrTx,
  tenantId: string,
  groups: readonly PerformanceGroup[],
  period: Period,
  now: Date,
  tz: string,
  typicalDays: TenantSettings['pipeline']['typicalDays'],
  /** The per-rep 90-day records (the digest, which does not show them, skips that query). */
  opts: { reps?: boolean } = {},
): Promise<Map<string, SalesPerformance>> {
  const out = new Map<string, SalesPerformance>();
  if (groups.length === 0) return out;
  const pairs = groups.flatMap((g) => g.ownerIds.map((id) => [g.key, id] as const));
  const teamPairs = groups.flatMap((g) => g.teamIds.map((id) => [g.key, id] as const));
  const members = sql`(select * from unnest(${arr(pairs.map((p) => p[0]), 'text')}, ${arr(pairs.map((p) => p[1]), 'uuid')}) as m(grp, id))`;
  const groupTeams = sql`(select * from unnest(${arr(teamPairs.map((p) => p[0]), 'text')}, ${arr(teamPairs.map((p) => p[1]), 'uuid')}) as t(grp, id))`;
  const from = at(startOf(period.from, tz));
  const to = at(startOf(period.to, tz));
  const months = arr(period.months, 'text');
  const closeOn = sql`coalesce(d.expected_close_on, (d.stage_entered_at at time zone ${tz})::date + (case d.stage
      when 'lead' then ${typicalDays.lead}::int when 'first_visit' then ${typicalDays.first_visit}::int
      when 'proposal' then ${typicalDays.proposal}::int else ${typicalDays.quote}::int end))`;

  // Grouped joins (not a subquery per group): the sales_targets rows of each group's teams and of its people.
  const targets = await queryRows<{ grp: string; kind: 'team' | 'user'; fen: string; n: number }>(
    db,
    sql`select t.grp, 'team' as kind, sum(s.amount_fen)::text as fen, count(*)::int as n
          from sales_targets s join ${groupTeams} t on t.id = s.subject_id
          where s.tenant_id = ${tenantId} and s.subject_kind = 'team' and s.month = any(${months}) group by t.grp
        union all
        select m.grp, 'user' as kind, sum(s.amount_fen)::text as fen, count(*)::int as n
          from sales_targets s join ${members} m on m.id = s.subject_id
          where s.tenant_id = ${tenantId} and s.subject_kind = 'user' and s.month = any(${months}) group by m.grp`,
  );
  const won = await queryRows<{ grp: string; fen: string; n: number }>(
    db,
    sql`select m.grp, coalesce(sum(d.amount_fen), 0)::text as fen, count(*)::int as n from deals d join ${members} m on m.id = d.owner_id
        where d.tenant_id = ${tenantId} and d.stage = 'won' and d.closed_at >= ${from} and d.closed_at < ${to} group by m.grp`,
  );
  const pipe = await queryRows<{ grp: string; fen: string; weighted: string; n: number }>(
    db,
    sql`select m.grp, coalesce(sum(d.amount_fen), 0)::text as fen, coalesce(div(sum(d.amount_fen * d.probability) + 50, 100), 0)::text as weighted,
          count(*)::int as n
        from deals d join ${members} m on m.id = d.owner_id
        where d.tenant_id = ${tenantId} and d.closed_at is null and ${closeOn} < ${period.to}::date group by m.grp`,
  );
  const reps = opts.reps === false
    ? []
    : await queryRows<{ grp: string; id: string; name: string; won: number; lost: number; won_fen: string }>(
        db,
        sql`with closed as (
              select d.owner_id, count(*) filter (where d.stage = 'won')::int as won, count(*) filter (where d.stage = 'lost')::int as lost,
                coalesce(sum(d.amount_fen) filter (where d.stage = 'won'), 0) as won_fen
              from deals d where d.tenant_id = ${tenantId} and d.closed_at >= ${at(new Date(now.getTime() - 90 * DAY))} group by d.owner_id)
            select m.grp, u.id, u.name, coalesce(c.won, 0)::int as won, coalesce(c.lost, 0)::int as lost, coalesce(c.won_fen, 0)::text as won_fen
            from ${members} m join users u on u.id = m.id left join closed c on c.owner_id = m.id order by u.name`,
      );
  const byGroup = <T extends { grp: string }>(rows: T[]) => {
    const map = new Map<string, T[]>();
    for (const r of rows) {
      const list = map.get(r.grp);
      if (list) list.push(r);
      else map.set(r.grp, [r]);
    }
    return map;
  };
  const targetsOf = byGroup(targets);
  const wonOf = new Map(won.map((r) => [r.grp, r]));
  const pipeOf = new Map(pipe.map((r) => [r.grp, r]));
  const repsOf = byGroup(reps);
  for (const g of groups) {
    const team = targetsOf.get(g.key)?.find((r) => r.kind === 'team');
    const people = targetsOf.get(g.key)?.find((r) => r.kind === 'user');
    const fromTeams = Number(team?.n ?? 0) > 0;
    const targetFen = Number((fromTeams ? team?.fen : people?.fen) ?? 0);
    const w = wonOf.get(g.key);
    const p = pipeOf.get(g.key);
    const wonFen = Number(w?.fen ?? 0);
    const pipelineFen = Number(p?.fen ?? 0);
    const weightedFen = Number(p?.weighted ?? 0);
    const remainingFen = Math.max(0, targetFen - wonFen);
    out.set(g.key, {
      period,
      targetFen,
      targetFrom: fromTeams ? 'team' : Number(people?.n ?? 0) > 0 ? 'people' : 'none',
      wonFen,
      wonCount: Number(w?.n ?? 0),
      pipelineFen,
      pipelineCount: Number(p?.n ?? 0),
      weightedFen,
      remainingFen,
      coverageTenths: remainingFen > 0 ? Math.floor((pipelineFen * 10 + Math.floor(remainingFen / 2)) / remainingFen) : null,
      forecastFen: wonFen + weightedFen,
      gapFen: Math.max(0, targetFen - wonFen - weightedFen),
      reps: (repsOf.get(g.key) ?? []).map((r) => {
        const closed = Number(r.won) + Number(r.lost);
        return {
          userId: r.id,
          name: r.name,
          won: Number(r.won),
          lost: Number(r.lost),
          winRatePct: closed > 0 ? Math.floor((Number(r.won) * 100 + Math.floor(closed / 2)) / closed) : null,
          avgDealFen: Number(r.won) > 0 ? Math.floor(Number(r.won_fen) / Number(r.won)) : null,
        };
      }),
    });
  }
  return out;
}

/** Whom /业绩 is about: the actor (or their team / line), a person or a team by name (or by id, from the dashboard's filter); visibility.ts decides. */
export async function performanceFor(ctx: Ctx, who: string | { userId: string } | { teamId: string } | undefined, kind: PeriodKind): Promise<SalesPerformance & { scope: string }> {
  const owners = await visibleOwnerIds(ctx);
  const tenantId = ctx.actor.tenantId;
  let group: PerformanceGroup;
  let scope: string;
  const wantsTeam = who === '团队' || who === 'team' || (who === undefined && ctx.actor.role !== 'rep' && (owners === null || owners.length > 1));
  if (typeof who === 'object' && 'userId' in who) {
    const [person] = await ctx.db.select({ id: users.id, name: users.name }).from(users).where(and(eq(users.tenantId, tenantId), eq(users.id, who.userId)));
    if (!person || (owners !== null && !owners.includes(person.id))) throw new DomainError('NOT_ALLOWED', `${person?.name ?? '这位销售'} 不是你或你的下属，无法查看业绩。`);
    group = { key: 'scope', ownerIds: [person.id], teamIds: [] };
    scope = person.name;
  } else if (wantsTeam) {
    const ownerIds = owners ?? (await ctx.db.select({ id: users.id }).from(users).where(eq(users.tenantId, tenantId))).map((u) => u.id);
    const teamRows = await ctx.db
      .selectDistinct({ id: users.teamId })
      .from(users)
      .where(and(eq(users.tenantId, tenantId), inArray(users.id, ownerIds)));
    group = { key: 'scope', ownerIds, teamIds: teamRows.flatMap((r) => (r.id ? [r.id] : [])) };
    scope = owners === null ? '全公司' : '我的团队';
  } else if (who === undefined || who === '我' || who === '我的' || who === 'me') {
    group = { key: 'scope', ownerIds: [ctx.actor.userId], teamIds: [] };
    scope = ctx.actor.name;
  } else {
    const [team] = await ctx.db.select().from(teams).where(and(eq(teams.tenantId, tenantId), typeof who === 'object' ? eq(teams.id, who.teamId) : eq(teams.name, who)));
    if (team || typeof who === 'object') {
      if (!team) throw new DomainError('NOT_FOUND', '没有找到这个团队，请重新选择。');
      const ids = (await ctx.db.select({ id: users.id }).from(users).where(eq(users.teamId, team.id))).map((u) => u.id);
      if (owners !== null && !ids.some((id) => owners.includes(id))) throw new DomainError('NOT_ALLOWED', `「${team.name}」不是你或你的下属所在的团队，无法查看业绩。`);
      group = { key: 'scope', ownerIds: owners === null ? ids : ids.filter((id) => owners.includes(id)), teamIds: [team.id] };
      scope = team.name;
    } else {
      const person = await findOnePerson(ctx.db, tenantId, who);
      if (owners !== null && !owners.includes(person.id)) throw new DomainError('NOT_ALLOWED', `${person.name} 不是你或你的下属，无法查看业绩。`);
      group = { key: 'scope', ownerIds: [person.id], teamIds: [] };
      scope = person.name;
    }
  }
  const settings = await tenantSettings(ctx.db, tenantId);
  const period = currentPeriod(kind, ctx.now, ctx.timeZone);
  const perf = (await salesPerformanceByGroup(ctx.db, tenantId, [group], period, ctx.now, ctx.timeZone, settings.pipeline.typicalDays)).get('scope')!;
  return { ...perf, scope };
}
