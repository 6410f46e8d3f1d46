// The daily team digest: pipeline by stage, yesterday's movement, overdue deals per owner, approvals waiting,
// conversion by stage and average cycle over 90 days. Computed with a handful of set-based queries per team.
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { wallClock, zonedTime } from '../domain/dates.js';
import { OPEN_STAGES, PIPELINE, type Stage } from '../domain/stages.js';

const DAY = 86_400_000;

export interface TeamDigest {
  teamId: string;
  teamName: string;
  /** Local date the digest is for (the morning it is sent), YYYY-MM-DD. */
  date: string;
  pipeline: Array<{ stage: Stage; count: number; amountFen: number }>;
  moved: { newDeals: number; stageChanges: number; won: number; lost: number; wonFen: number };
  overdue: Array<{ owner: string; count: number }>;
  approvalsWaiting: number;
  conversion: Array<{ from: Stage; to: Stage; rate: number | null }>;
  avgCycleDays: number | null;
}

/** Local midnight of `now`'s day in `tz`, and the midnight before it: the "yesterday" window. */
export function yesterdayWindow(now: Date, tz: string) {
  const w = wallClock(now, tz);
  const today = zonedTime({ year: w.year, month: w.month, day: w.day, hour: 0, minute: 0 }, tz);
  const yw = wallClock(new Date(today.getTime() - DAY / 2), tz);
  const yesterday = zonedTime({ year: yw.year, month: yw.month, day: yw.day, hour: 0, minute: 0 }, tz);
  const date = `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
  return { from: yesterday, to: today, date };
}

export async function buildTeamDigest(
  db: DbOrTx,
  team: { id: string; name: string; tenantId: string },
  now: Date,
  tz: string,
  silenceHours = 48,
): Promise<TeamDigest> {
  const members = sql`(select id from users where team_id = ${team.id})`;
  const { from, to, date } = yesterdayWindow(now, tz);

  const pipeRows = await queryRows<{ stage: Stage; n: number; fen: string }>(
    db,
    sql`select stage, count(*)::int as n, coalesce(sum(amount_fen), 0)::text as fen from deals
        where tenant_id = ${team.tenantId} and closed_at is null and owner_id in ${members} group by stage`,
  );
  const pipeline = OPEN_STAGES.map((stage) => {
    const r = pipeRows.find((x) => x.stage === stage);
    return { stage, count: Number(r?.n ?? 0), amountFen: Number(r?.fen ?? 0) };
  });

  const [moved] = await queryRows<{ new_deals: number; changes: number; won: number; lost: number; won_fen: string }>(
    db,
    sql`select
          (select count(*)::int from deals where owner_id in ${members} and created_at >= ${at(from)} and created_at < ${at(to)}) as new_deals,
          (select count(*)::int from stage_history h join deals d on d.id = h.deal_id
             where d.owner_id in ${members} and h.entered_at >= ${at(from)} and h.entered_at < ${at(to)} and h.stage not in ('lead')) as changes,
          (select count(*)::int from deals where owner_id in ${members} and stage = 'won' and closed_at >= ${at(from)} and closed_at < ${at(to)}) as won,
          (select count(*)::int from deals where owner_id in ${members} and stage = 'lost' and closed_at >= ${at(from)} and closed_at < ${at(to)}) as lost,
          (select coalesce(sum(amount_fen), 0)::text from deals where owner_id in ${members} and stage = 'won' and closed_at >= ${at(from)} and closed_at < ${at(to)}) as won_fen`,
  );

  const overdue = await queryRows<{ owner: string; n: number }>(
    db,
    sql`select u.name as owner, count(*)::int as n from deals d join users u on u.id = d.owner_id
        where d.owner_id in ${members} and d.closed_at is null
          and (d.last_activity_at <= ${at(new Date(now.getTime() - silenceHours * 3600_000))} or d.next_due_at <= ${at(now)})
        group by u.name order by n desc, u.name`,
  );

  const [waiting] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from approval_requests where status = 'pending' and requester_id in ${members}`,
  );

  // Conversion over deals opened in the last 90 days: of those that reached stage k, how many reached k+1.
  const reached = await queryRows<{ max_idx: number; n: number }>(
    db,
    sql`select m.max_idx, count(*)::int as n from (
          select d.id, max(case h.stage when 'lead' then 0 when 'first_visit' then 1 when 'proposal' then 2
                                         when 'quote' then 3 when 'won' then 4 else 0 end) as max_idx
          from deals d join stage_history h on h.deal_id = d.id
          where d.owner_id in ${members} and d.created_at >= ${at(new Date(now.getTime() - 90 * DAY))}
          group by d.id) m group by m.max_idx`,
  );
  const atLeast = (k: number) => reached.filter((r) => Number(r.max_idx) >= k).reduce((a, r) => a + Number(r.n), 0);
  const conversion = PIPELINE.slice(0, -1).map((fromStage, k) => {
    const base = atLeast(k);
    return { from: fromStage, to: PIPELINE[k + 1]!, rate: base === 0 ? null : atLeast(k + 1) / base };
  });

  const [cycle] = await queryRows<{ days: string | null }>(
    db,
    sql`select (avg(extract(epoch from closed_at - created_at)) / 86400)::text as days from deals
        where owner_id in ${members} and stage = 'won' and closed_at >= ${at(new Date(now.getTime() - 90 * DAY))}`,
  );

  return {
    teamId: team.id,
    teamName: team.name,
    date,
    pipeline,
    moved: {
      newDeals: Number(moved?.new_deals ?? 0),
      stageChanges: Number(moved?.changes ?? 0),
      won: Number(moved?.won ?? 0),
      lost: Number(moved?.lost ?? 0),
      wonFen: Number(moved?.won_fen ?? 0),
    },
    overdue: overdue.map((o) => ({ owner: o.owner, count: Number(o.n) })),
    approvalsWaiting: Number(waiting?.n ?? 0),
    conversion,
    avgCycleDays: cycle?.days == null ? null : Math.round(Number(cycle.days) * 10) / 10,
  };
}
