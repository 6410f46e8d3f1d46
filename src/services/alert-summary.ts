// The sales director's daily summary of stagnant deals and silent quotes: one message listing what the watchers
// raised since the previous summary, instead of one message per deal.
import { joinText, md, type Text } from '../../cards/markup.js';
import { and, desc, eq, like, lt, sql } from 'drizzle-orm';
import type { OutboundMessage } from '../adapter.js';
import type { DbOrTx } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { schedulerRuns } from '../db/schema/index.js';
import { zonedTime } from '../domain/dates.js';
import type { Stage } from '../domain/stages.js';
import { shortId } from './counters.js';
import type { TenantRules } from './tenant-settings.js';

const DAY = 86_400_000;

/** The summary job's name for one director (its scheduler_runs slot is the local date). */
export const alertSummaryJob = (directorId: string) => `alert-summary:${directorId}`;

/** Since the previous summary's digest hour, or the last 24 hours for the first one. */
async function windowStart(db: DbOrTx, tenant: TenantRules, directorId: string, date: string, now: Date): Promise<Date> {
  const [prev] = await db
    .select({ slot: schedulerRuns.slot })
    .from(schedulerRuns)
    .where(and(eq(schedulerRuns.job, alertSummaryJob(directorId)), lt(schedulerRuns.slot, date), like(schedulerRuns.slot, '____-__-__')))
    .orderBy(desc(schedulerRuns.slot))
    .limit(1);
  if (!prev) return new Date(now.getTime() - DAY);
  const [y, m, d] = prev.slot.split('-').map(Number) as [number, number, number];
  return zonedTime({ year: y, month: m, day: d, hour: tenant.settings.digest.hour, minute: 0 }, tenant.timeZone);
}

export async function directorAlertSummary(db: DbOrTx, tenant: TenantRules, directorId: string, date: string, now: Date): Promise<OutboundMessage | undefined> {
  const a = tenant.settings.alerts;
  const kinds = [a.stagnant.directorSummary && 'stagnant', a.silentQuote.directorSummary && 'silent_quote'].filter(Boolean) as string[];
  if (kinds.length === 0) return undefined;
  const from = await windowStart(db, tenant, directorId, date, now);
  const rows = await queryRows<{ kind: 'stagnant' | 'silent_quote'; short_no: number; title: string; customer_name: string; owner_name: string; stage: Stage; stage_entered_at: string }>(
    db,
    sql`select n.kind, d.short_no, d.title, c.name as customer_name, u.name as owner_name, d.stage, d.stage_entered_at
        from nudges n join deals d on d.id = n.subject_id join users u on u.id = d.owner_id join customers c on c.id = d.customer_id
        where n.tenant_id = ${tenant.id} and n.kind = any(${`{${kinds.join(',')}}`}::nudge_kind[])
          and n.sent_at > ${at(from)} and n.sent_at <= ${at(now)} and d.closed_at is null
        order by n.kind, u.name, d.short_no limit 200`,
  );
  if (rows.length === 0) return undefined;
  const labels = tenant.settings.pipeline.labels;
  const stagnant = rows.filter((r) => r.kind === 'stagnant');
  const quotes = rows.filter((r) => r.kind === 'silent_quote');
  const lines: Text[] = [];
  if (stagnant.length > 0) {
    lines.push(md`**停滞商机（${stagnant.length}）**`);
    for (const r of stagnant) {
      const days = Math.floor((now.getTime() - new Date(r.stage_entered_at).getTime()) / DAY);
      lines.push(md`- ${shortId('deal', r.short_no)} ${r.customer_name} · ${r.title} 在「${labels[r.stage]}」已 ${days} 天（${r.owner_name}）`);
    }
  }
  if (quotes.length > 0) {
    lines.push(md`**报价批准后未跟进（${quotes.length}）**`);
    for (const r of quotes) lines.push(md`- ${shortId('deal', r.short_no)} ${r.customer_name} · ${r.title}（${r.owner_name}）`);
  }
  lines.push(md`负责人和直属上级已分别收到提醒。`);
  return { type: 'markdown', title: '今日预警汇总', text: joinText(lines) };
}
