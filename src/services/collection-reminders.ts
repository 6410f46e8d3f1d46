// Collection reminders: an instalment of a current plan that falls due without being covered by the money received
// (applied in order) nudges the deal's owner and finance; still uncovered `collection.escalateAfterDays` after its
// due date, it escalates to the owner's manager (directors when there is none). Each is claimed once per
// (instalment, kind) in the nudges table, and only once the due rule's delivery time has come (working hours, outside
// quiet hours), so what is paid before then is never reminded.
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { queryRows } from '../db/rows.js';
import { nudges } from '../db/schema/index.js';
import { formatDay, wallClock, zonedTime } from '../domain/dates.js';
import { deliveryTime } from '../domain/due.js';
import { formatFen } from '../domain/money.js';
import { notifyUser } from '../outbox/enqueue.js';
import { shortId } from './counters.js';
import type { TenantRules } from './tenant-settings.js';
import { usersWithRole } from './users.js';

interface UncoveredRow {
  id: string;
  seq: number;
  due_on: string;
  amount_fen: string;
  /** Of this instalment, what the receipts leave unpaid. */
  outstanding_fen: string;
  short_no: number;
  title: string;
  owner_id: string;
  owner_name: string;
  manager_id: string | null;
  customer_name: string;
}

/**
 * Current instalments due on or before `lastDueOn` that the deal's receipts (applied to its instalments in order)
 * do not cover, and that have no `kind` nudge yet.
 */
async function uncovered(db: DbOrTx, tenantId: string, lastDueOn: string, kind: 'payment_due' | 'payment_escalation'): Promise<UncoveredRow[]> {
  return queryRows<UncoveredRow>(
    db,
    sql`with plan as (
          select i.*, sum(i.amount_fen) over (partition by i.deal_id order by i.seq) as through_fen
          from payment_instalments i where i.tenant_id = ${tenantId} and i.replaced_at is null),
        got as (select r.deal_id, sum(r.amount_fen) as fen from payment_receipts r where r.tenant_id = ${tenantId} group by r.deal_id)
        select p.id, p.seq, p.due_on::text as due_on, p.amount_fen::text as amount_fen,
          least(p.amount_fen, p.through_fen - coalesce(g.fen, 0))::text as outstanding_fen,
          d.short_no, d.title, d.owner_id, u.name as owner_name, u.manager_id, c.name as customer_name
        from plan p join deals d on d.id = p.deal_id join users u on u.id = d.owner_id join customers c on c.id = d.customer_id
        left join got g on g.deal_id = p.deal_id
        where d.stage = 'won' and p.due_on <= ${lastDueOn}::date and p.through_fen > coalesce(g.fen, 0)
          and not exists (select 1 from nudges n where n.subject_id = p.id and n.kind = ${kind})
        order by p.due_on limit 500`,
  );
}

async function claim(db: DbOrTx, tenantId: string, subjectId: string, kind: 'payment_due' | 'payment_escalation', episode: string, at: Date) {
  const rows = await db.insert(nudges).values({ tenantId, subjectId, kind, episode, sentAt: at }).onConflictDoNothing().returning({ id: nudges.id });
  return rows.length > 0;
}

/** The local day `days` before `now`'s (YYYY-MM-DD). */
function dayBefore(now: Date, tz: string, days: number): string {
  const w = wallClock(now, tz);
  return formatDay(zonedTime({ year: w.year, month: w.month, day: w.day - days, hour: 12, minute: 0 }, tz), tz);
}

/** Instalments falling due today (or earlier, missed) unpaid → the owner and every finance user, once each. */
export async function scanPaymentsDue(db: Db, tenant: TenantRules, now: Date): Promise<number> {
  const sendAt = deliveryTime(now, tenant.timeZone, tenant.settings);
  // Claimed only when it can go out now: money that arrives before working hours start still stops the reminder.
  if (sendAt.getTime() > now.getTime()) return 0;
  const today = formatDay(now, tenant.timeZone);
  return db.transaction(async (tx) => {
    let sent = 0;
    const finance = (await usersWithRole(tx, tenant.id, 'finance')).map((u) => u.id);
    for (const r of await uncovered(tx, tenant.id, today, 'payment_due')) {
      if (!(await claim(tx, tenant.id, r.id, 'payment_due', r.due_on, sendAt))) continue;
      const deal = shortId('deal', r.short_no);
      const when = r.due_on === today ? '今天到期' : `${r.due_on} 到期，已逾期`;
      const owner = `💰 回款提醒：${deal} ${r.customer_name} · ${r.title} 第 ${r.seq} 期 ${formatFen(Number(r.amount_fen))} ${when}，未回款 ${formatFen(Number(r.outstanding_fen))}。` +
        `请跟进客户付款；收到后由财务或你登记：/回款 ${deal} <金额>`;
      const fin = `💰 回款到期：${deal} ${r.customer_name} · ${r.title} 第 ${r.seq} 期 ${formatFen(Number(r.amount_fen))} ${when}，未回款 ${formatFen(Number(r.outstanding_fen))}（负责人 ${r.owner_name}）。` +
        `到账后登记：/回款 ${deal} <金额> [日期]`;
      sent += await notifyUser(tx, tenant.id, r.owner_id, { type: 'text', text: owner }, { notBefore: sendAt, dedupKey: `payment-due:${r.id}` });
      for (const f of finance.filter((f) => f !== r.owner_id)) {
        sent += await notifyUser(tx, tenant.id, f, { type: 'text', text: fin }, { notBefore: sendAt, dedupKey: `payment-due:${r.id}:${f}` });
      }
    }
    return sent;
  });
}

/** Instalments unpaid `collection.escalateAfterDays` after their due day → the owner's manager (or the directors), once. */
export async function scanPaymentEscalations(db: Db, tenant: TenantRules, now: Date): Promise<number> {
  const days = tenant.settings.collection.escalateAfterDays;
  const sendAt = deliveryTime(now, tenant.timeZone, tenant.settings);
  if (sendAt.getTime() > now.getTime()) return 0;
  return db.transaction(async (tx) => {
    let sent = 0;
    for (const r of await uncovered(tx, tenant.id, dayBefore(now, tenant.timeZone, days), 'payment_escalation')) {
      if (!(await claim(tx, tenant.id, r.id, 'payment_escalation', r.due_on, sendAt))) continue;
      const deal = shortId('deal', r.short_no);
      const text = `🔺 回款逾期超过 ${days} 天：${deal} ${r.customer_name} · ${r.title} 第 ${r.seq} 期 ${formatFen(Number(r.amount_fen))}（${r.due_on} 到期），` +
        `未回款 ${formatFen(Number(r.outstanding_fen))}，负责人 ${r.owner_name}。请督促催款。`;
      const to = r.manager_id ? [r.manager_id] : (await usersWithRole(tx, tenant.id, 'director')).map((u) => u.id);
      for (const m of to) sent += await notifyUser(tx, tenant.id, m, { type: 'text', text }, { notBefore: sendAt, dedupKey: `payment-escalate:${r.id}:${m}` });
    }
    return sent;
  });
}
