// The daily team digest: pipeline by stage, yesterday's movement, overdue deals per owner, approvals waiting,
// conversion by stage and average cycle over 90 days, and the week's trend (new deals, follow-ups, won per day).
// Computed for many teams at once: each figure is one set-based query grouped by team (a team's members are the users whose team_id is that team).
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { wallClock, zonedTime } from '../domain/dates.js';
import { dueAtSql } from './due.js';
import { funnelByGroup, type FunnelStats } from './funnel.js';
import { collectionByGroup } from './collection.js';
import { salesPerformanceByGroup, type SalesPerformance } from './performance.js';
import { tenantSettings } from './tenant-settings.js';
import { currentPeriod } from '../domain/periods.js';

const DAY = 86_400_000;

export interface TeamDigest {
  teamId: string;
  teamName: string;
  /** Local date the digest is for (the morning it is sent), YYYY-MM-DD. */
  date: string;
  /** Days the movement figures cover (3 on a Monday after a quiet weekend). */
  movedDays: number;
  pipeline: FunnelStats['pipeline'];
  moved: { newDeals: number; stageChanges: number; won: number; lost: number; wonFen: number };
  overdue: Array<{ owner: string; count: number }>;
  approvalsWaiting: number;
  conversion: FunnelStats['conversion'];
  avgCycleDays: FunnelStats['avgCycleDays'];
  /** This month's collection (回款): instalments due in it and money received in it, on the team's deals. */
  collection: { plannedFen: number; receivedFen: number };
  /** The team's month (业绩): target, won, forecast, coverage, gap — the figures /业绩 shows (services/performance.ts). */
  performance: SalesPerformance;
  /** The week's trend: the 7 local days before the digest day, oldest first (new deals, follow-ups, deals won per day). */
  trend: TrendDay[];
}

export interface TrendDay {
  /** Local date, YYYY-MM-DD. */
  date: string;
  newDeals: number;
  followUps: number;
  won: number;
}

/** Days the trend covers. */
export const TREND_DAYS = 7;

/** The trend's local days, oldest first: [start, end) of each, and its YYYY-MM-DD name. */
export function trendDays(now: Date, tz: string, n = TREND_DAYS): Array<{ date: string; from: Date; to: Date }> {
  const w = wallClock(now, tz);
  const out: Array<{ date: string; from: Date; to: Date }> = [];
  for (let k = n; k >= 1; k--) {
    const from = zonedTime({ year: w.year, month: w.month, day: w.day - k, hour: 0, minute: 0 }, tz);
    const to = zonedTime({ year: w.year, month: w.month, day: w.day - k + 1, hour: 0, minute: 0 }, tz);
    const d = wallClock(from, tz);
    out.push({ date: `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`, from, to });
  }
  return out;
}

/**
 * The movement window: from the local midnight after the previous digest day up to today's midnight. Digests are
 * not sent on quiet days (weekends by default), so a Monday digest covers Friday to Sunday, not Sunday alone.
 */
export function yesterdayWindow(now: Date, tz: string, quietDays: readonly number[] = []) {
  const w = wallClock(now, tz);
  const today = zonedTime({ year: w.year, month: w.month, day: w.day, hour: 0, minute: 0 }, tz);
  let from = zonedTime({ year: w.year, month: w.month, day: w.day - 1, hour: 0, minute: 0 }, tz);
  for (let i = 0; i < 7 && quietDays.includes(wallClock(from, tz).weekday); i++) {
    const f = wallClock(from, tz);
    from = zonedTime({ year: f.year, month: f.month, day: f.day - 1, hour: 0, minute: 0 }, tz);
  }
  const date = `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
  return { from, to: today, date, days: Math.round((today.getTime() - from.getTime()) / DAY) };
}

export interface DigestTeam {
  id: string;
  name: string;
  tenantId: string;
}

/** One team's digest; the same figures as `buildTeamDigests` for a single team. */
export async function buildTeamDigest(db: DbOrTx, team: DigestTeam, now: Date, tz: string, silenceHours: number, quietDays: readonly number[] = []): Promise<TeamDigest> {
  const [digest] = await buildTeamDigests(db, team.tenantId, [team], now, tz, silenceHours, quietDays);
  return digest!;
}

/** How many teams one batch's queries cover (bounds the id list sent as a parameter). */
const BATCH = 1000;

/**
 * The digests of several teams of one tenant, in the order given: a handful of queries per batch of teams, each grouped by team,
 * instead of a handful per team (pipeline, conversion and cycle come from funnelByGroup, shared with /漏斗).
 */
export async function buildTeamDigests(
  db: DbOrTx,
  tenantId: string,
  teams: ReadonlyArray<{ id: string; name: string }>,
  now: Date,
  tz: string,
  /** The tenant's silence window (settings.nudges.silenceHours): "overdue" is the one due rule. */
  silenceHours: number,
  /** The tenant's quiet weekdays (no digest then): the movement window reaches back over them. */
  quietDays: readonly number[] = [],
): Promise<TeamDigest[]> {
  const out: TeamDigest[] = [];
  for (let i = 0; i < teams.length; i += BATCH) out.push(...(await digestBatch(db, tenantId, teams.slice(i, i + BATCH), now, tz, silenceHours, quietDays)));
  return out;
}

type Grouped<T> = Map<string, T[]>;
const groupByTeam = <T extends { team_id: string }>(rows: T[]): Grouped<T> => {
  const m: Grouped<T> = new Map();
  for (const r of rows) {
    const list = m.get(r.team_id);
    if (list) list.push(r);
    else m.set(r.team_id, [r]);
  }
  return m;
};

async function digestBatch(
  db: DbOrTx,
  tenantId: string,
  teams: ReadonlyArray<{ id: string; name: string }>,
  now: Date,
  tz: string,
  silenceHours: number,
  quietDays: readonly number[],
): Promise<TeamDigest[]> {
  if (teams.length === 0) return [];
  const { from, to, date, days } = yesterdayWindow(now, tz, quietDays);
  // The batch's teams as one uuid[] parameter; `members` are their users, tagged with the team.
  const teamIds = sql`${`{${teams.map((t) => t.id).join(',')}}`}::uuid[]`;
  const members = sql`(select id, team_id, name from users where team_id = any(${teamIds}))`;

  const dealMoves = groupByTeam(
    await queryRows<{ team_id: string; new_deals: number; won: number; lost: number; won_fen: string }>(
      db,
      sql`select m.team_id,
            count(*) filter (where d.created_at >= ${at(from)} and d.created_at < ${at(to)})::int as new_deals,
            count(*) filter (where d.stage = 'won' and d.closed_at >= ${at(from)} and d.closed_at < ${at(to)})::int as won,
            count(*) filter (where d.stage = 'lost' and d.closed_at >= ${at(from)} and d.closed_at < ${at(to)})::int as lost,
            coalesce(sum(d.amount_fen) filter (where d.stage = 'won' and d.closed_at >= ${at(from)} and d.closed_at < ${at(to)}), 0)::text as won_fen
          from deals d join ${members} m on m.id = d.owner_id
          where (d.created_at >= ${at(from)} and d.created_at < ${at(to)}) or (d.closed_at >= ${at(from)} and d.closed_at < ${at(to)})
          group by m.team_id`,
    ),
  );

  const changes = groupByTeam(
    await queryRows<{ team_id: string; n: number }>(
      db,
      sql`select m.team_id, count(*)::int as n from stage_history h join deals d on d.id = h.deal_id join ${members} m on m.id = d.owner_id
          where h.entered_at >= ${at(from)} and h.entered_at < ${at(to)} and h.stage not in ('lead') group by m.team_id`,
    ),
  );

  // Per team: most overdue owners first, then by name (ordered by the database, as before).
  const overdue = groupByTeam(
    await queryRows<{ team_id: string; owner: string; n: number }>(
      db,
      sql`select m.team_id, m.name as owner, count(*)::int as n
          from deals d join ${members} m on m.id = d.owner_id
          where d.closed_at is null
            and ${dueAtSql({ silenceHours })} <= ${at(now)}
          group by m.team_id, m.name order by m.team_id, n desc, m.name`,
    ),
  );

  const waiting = groupByTeam(
    await queryRows<{ team_id: string; n: number }>(
      db,
      sql`select m.team_id, count(*)::int as n from approval_requests a join ${members} m on m.id = a.requester_id
          where a.status = 'pending' group by m.team_id`,
    ),
  );

  // Pipeline, conversion and cycle come from the function /漏斗 uses (近90天), so the numbers match.
  const funnel = await funnelByGroup(
    db,
    tenantId,
    sql`(select id, team_id::text as grp from users where team_id = any(${teamIds}))`,
    teams.map((t) => t.id),
    new Date(now.getTime() - 90 * DAY),
  );

  // The week's trend, one row per team, day and figure: the local day of each instant in the tenant's zone.
  const week = trendDays(now, tz);
  const weekFrom = at(week[0]!.from);
  const weekTo = at(week.at(-1)!.to);
  const day = (col: SQL) => sql`to_char(${col} at time zone ${tz}, 'YYYY-MM-DD')`;
  const trendRows = groupByTeam(
    await queryRows<{ team_id: string; day: string; what: 'new' | 'won' | 'follow'; n: number }>(
      db,
      sql`select m.team_id, ${day(sql`d.created_at`)} as day, 'new' as what, count(*)::int as n
            from deals d join ${members} m on m.id = d.owner_id
            where d.created_at >= ${weekFrom} and d.created_at < ${weekTo} group by 1, 2
          union all
          select m.team_id, ${day(sql`d.closed_at`)}, 'won', count(*)::int
            from deals d join ${members} m on m.id = d.owner_id
            where d.stage = 'won' and d.closed_at >= ${weekFrom} and d.closed_at < ${weekTo} group by 1, 2
          union all
          select m.team_id, ${day(sql`f.created_at`)}, 'follow', count(*)::int
            from follow_ups f join ${members} m on m.id = f.author_id
            where f.undone_at is null and f.created_at >= ${weekFrom} and f.created_at < ${weekTo} group by 1, 2`,
    ),
  );
  const trendOf = (teamId: string): TrendDay[] => {
    const rows = trendRows.get(teamId) ?? [];
    const n = (date: string, what: string) => Number(rows.find((r) => r.day === date && r.what === what)?.n ?? 0);
    return week.map(({ date }) => ({ date, newDeals: n(date, 'new'), followUps: n(date, 'follow'), won: n(date, 'won') }));
  };

  const month = currentPeriod('month', now, tz);
  const collection = await collectionByGroup(db, tenantId, sql`(select id, team_id::text as grp from users where team_id = any(${teamIds}))`, month.from, month.to);
  const memberRows = await queryRows<{ id: string; team_id: string }>(db, sql`select id, team_id from users where team_id = any(${teamIds})`);
  const performance = await salesPerformanceByGroup(
    db,
    tenantId,
    teams.map((t) => ({ key: t.id, ownerIds: memberRows.filter((m) => m.team_id === t.id).map((m) => m.id), teamIds: [t.id] })),
    month,
    now,
    tz,
    (await tenantSettings(db, tenantId)).pipeline.typicalDays,
    { reps: false },
  );

  return teams.map((team) => {
    const stats = funnel.get(team.id)!;
    const moved = dealMoves.get(team.id)?.[0];
    return {
      teamId: team.id,
      teamName: team.name,
      date,
      movedDays: days,
      pipeline: stats.pipeline,
      moved: {
        newDeals: Number(moved?.new_deals ?? 0),
        stageChanges: Number(changes.get(team.id)?.[0]?.n ?? 0),
        won: Number(moved?.won ?? 0),
        lost: Number(moved?.lost ?? 0),
        wonFen: Number(moved?.won_fen ?? 0),
      },
      overdue: (overdue.get(team.id) ?? []).map((o) => ({ owner: o.owner, count: Number(o.n) })),
      approvalsWaiting: Number(waiting.get(team.id)?.[0]?.n ?? 0),
      conversion: stats.conversion,
      avgCycleDays: stats.avgCycleDays,
      collection: collection.get(team.id) ?? { plannedFen: 0, receivedFen: 0 },
      performance: performance.get(team.id)!,
      trend: trendOf(team.id),
    };
  });
}
