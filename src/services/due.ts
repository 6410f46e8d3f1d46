// The SQL twin of src/domain/due.ts: the due instant as an expression, for scans and lists that filter and
// sort in the database. test/domain/due.test.ts checks both give the same instant.
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { deals, nudges } from '../db/schema/index.js';
import { dueOf, dueRules, type Due, type DueInput, type DueRules } from '../domain/due.js';
import { tenantSettings } from './tenant-settings.js';

interface DueColumns {
  lastActivityAt: SQL;
  nextDueAt: SQL;
  snoozedUntil?: SQL;
}

/** Columns of `deals` aliased as `d` in raw SQL. */
export const RAW_DEAL_COLUMNS: DueColumns = { lastActivityAt: sql.raw('d.last_activity_at'), nextDueAt: sql.raw('d.next_due_at') };
/** Columns of `deals` in drizzle query-builder queries. */
export const DEAL_COLUMNS: DueColumns = { lastActivityAt: sql`${deals.lastActivityAt}`, nextDueAt: sql`${deals.nextDueAt}` };

/** The instant a deal is due for follow-up (see dueOf). */
export function dueAtSql(rules: Pick<DueRules, 'silenceHours'>, c: DueColumns = RAW_DEAL_COLUMNS): SQL<Date> {
  const base = sql`(case when ${c.nextDueAt} is not null and ${c.nextDueAt} >= ${c.lastActivityAt} then ${c.nextDueAt}
    else ${c.lastActivityAt} + (${rules.silenceHours}::float8 * interval '1 hour') end)`;
  return (c.snoozedUntil ? sql`greatest(${base}, coalesce(${c.snoozedUntil}, ${base}))` : base) as SQL<Date>;
}

/** Each open deal's due time and reason with this episode's snooze, for views and exports that list deals. */
export async function dueOfDeals(db: DbOrTx, tenantId: string, rows: ReadonlyArray<DueInput & { id: string; closedAt: Date | null }>): Promise<Map<string, Due>> {
  const open = rows.filter((d) => d.closedAt === null);
  const out = new Map<string, Due>();
  if (open.length === 0) return out;
  const rules = dueRules(await tenantSettings(db, tenantId));
  const snoozes = await db
    .select({ subjectId: nudges.subjectId, episode: nudges.episode, snoozedUntil: nudges.snoozedUntil })
    .from(nudges)
    .where(and(inArray(nudges.subjectId, open.map((d) => d.id)), eq(nudges.kind, 'overdue')));
  for (const d of open) {
    const episode = String(d.lastActivityAt.getTime());
    const snoozedUntil = snoozes.find((n) => n.subjectId === d.id && n.episode === episode)?.snoozedUntil ?? null;
    out.set(d.id, dueOf({ ...d, snoozedUntil }, rules));
  }
  return out;
}
