// The other watchers: new leads nobody contacted, stagnant stages, silent quotes, and slow approvals. Stagnant
// and silent-quote alerts reach the owner and their manager; directors get them in the daily summary.
// Each alert is claimed once per (subject, kind, episode) in the nudges table before it is queued.
import { and, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { approvalSteps, nudges } from '../db/schema/index.js';
import { workingHoursBetween } from '../domain/dates.js';
import { nextAllowedTime } from '../domain/quiet-hours.js';
import type { AlertRecipients } from '../domain/settings.js';
import type { Stage } from '../domain/stages.js';
import { formatFen } from '../domain/money.js';
import { notifyUser } from '../outbox/enqueue.js';
import { shortId } from './counters.js';
import type { TenantRules } from './tenant-settings.js';
import { usersWithRole } from './users.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

async function claim(db: DbOrTx, tenantId: string, subjectId: string, kind: 'new_lead' | 'stagnant' | 'silent_quote' | 'approval_reminder', episode: string, at: Date) {
  const rows = await db
    .insert(nudges)
    .values({ tenantId, subjectId, kind, episode, sentAt: at })
    .onConflictDoNothing()
    .returning({ id: nudges.id });
  return rows.length > 0;
}

interface DealRow {
  id: string;
  short_no: number;
  title: string;
  owner_id: string;
  owner_name: string;
  manager_id: string | null;
  customer_name: string;
  stage: Stage;
  stage_entered_at: string;
}

const dealColumns = sql.raw(`d.id, d.short_no, d.title, d.owner_id, u.name as owner_name, u.manager_id,
  c.name as customer_name, d.stage, d.stage_entered_at`);

/** A new lead (deal) with no follow-up within `newLeadHours` → the owner's manager. */
export async function scanNewLeads(db: Db, tenant: TenantRules, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - tenant.settings.nudges.newLeadHours * HOUR);
  const sendAt = nextAllowedTime(now, tenant.timeZone, tenant.settings.quietHours);
  return db.transaction(async (tx) => {
    const rows = await queryRows<DealRow>(
      tx,
      sql`select ${dealColumns} from deals d join users u on u.id = d.owner_id join customers c on c.id = d.customer_id
          where d.tenant_id = ${tenant.id} and d.closed_at is null and d.stage = 'lead' and d.created_at <= ${at(cutoff)}
            and d.created_at > ${at(new Date(cutoff.getTime() - 30 * DAY))}
            and not exists (select 1 from follow_ups f where f.deal_id = d.id and f.undone_at is null)
            and not exists (select 1 from nudges n where n.subject_id = d.id and n.kind = 'new_lead')
            -- A customer untouched since it was assigned is the golden-response rule's (src/services/golden-response.ts),
            -- counted from the assignment: one alert, not two.
            and (c.assigned_at is null or exists (select 1 from follow_ups f2 where f2.customer_id = c.id and f2.undone_at is null
                                                  and f2.created_at >= c.assigned_at))
          limit 500`,
    );
    let sent = 0;
    for (const d of rows) {
      if (!(await claim(tx, tenant.id, d.id, 'new_lead', 'once', sendAt))) continue;
      const text = `📌 新线索超过 ${tenant.settings.nudges.newLeadHours} 小时未联系：${shortId('deal', d.short_no)} ${d.customer_name} · ${d.title}（负责人 ${d.owner_name}）。请督促跟进。`;
      for (const to of await managersOf(tx, tenant.id, d)) sent += await notifyUser(tx, tenant.id, to, { type: 'text', text }, { notBefore: sendAt });
    }
    return sent;
  });
}

/** A deal in the same stage for more than `stagnantDays` → its owner and their manager, once per stage stint (settings.alerts). */
export async function scanStagnantDeals(db: Db, tenant: TenantRules, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - tenant.settings.nudges.stagnantDays * DAY);
  const sendAt = nextAllowedTime(now, tenant.timeZone, tenant.settings.quietHours);
  return db.transaction(async (tx) => {
    const rows = await queryRows<DealRow>(
      tx,
      sql`select ${dealColumns} from deals d join users u on u.id = d.owner_id join customers c on c.id = d.customer_id
          where d.tenant_id = ${tenant.id} and d.closed_at is null and d.stage_entered_at <= ${at(cutoff)}
            and not exists (select 1 from nudges n where n.subject_id = d.id and n.kind = 'stagnant'
                            and n.episode = d.stage || ':' || (extract(epoch from d.stage_entered_at) * 1000)::bigint)
          order by d.stage_entered_at limit 500`,
    );
    let sent = 0;
    for (const d of rows) {
      const episode = `${d.stage}:${new Date(d.stage_entered_at).getTime()}`;
      if (!(await claim(tx, tenant.id, d.id, 'stagnant', episode, sendAt))) continue;
      const days = Math.floor((now.getTime() - new Date(d.stage_entered_at).getTime()) / DAY);
      const text = `🐢 商机停滞：${shortId('deal', d.short_no)} ${d.customer_name} · ${d.title} 在「${tenant.settings.pipeline.labels[d.stage]}」已 ${days} 天（负责人 ${d.owner_name}）。` +
        `推进一下，或者 /输单 ${shortId('deal', d.short_no)} <原因>`;
      for (const id of recipients(d, tenant.settings.alerts.stagnant)) sent += await notifyUser(tx, tenant.id, id, { type: 'text', text }, { notBefore: sendAt });
    }
    return sent;
  });
}

/** Owner and/or manager per the rule's settings; directors hear through the daily summary (alert-summary.ts). */
function recipients(d: { owner_id: string; manager_id: string | null }, r: AlertRecipients): string[] {
  const to = new Set<string>();
  if (r.owner) to.add(d.owner_id);
  if (r.manager && d.manager_id) to.add(d.manager_id);
  return [...to];
}

/** An approved quote with no follow-up for `silentQuoteDays` → the owner and their manager, once per quote (settings.alerts). */
export async function scanSilentQuotes(db: Db, tenant: TenantRules, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - tenant.settings.nudges.silentQuoteDays * DAY);
  const sendAt = nextAllowedTime(now, tenant.timeZone, tenant.settings.quietHours);
  return db.transaction(async (tx) => {
    const rows = await queryRows<DealRow & { quote_id: string; quote_short_no: number; amount_fen: string }>(
      tx,
      sql`select ${dealColumns}, q.id as quote_id, q.short_no as quote_short_no, q.amount_fen
          from quotes q join deals d on d.id = q.deal_id join users u on u.id = d.owner_id join customers c on c.id = d.customer_id
          where q.tenant_id = ${tenant.id} and q.status = 'approved' and q.decided_at <= ${at(cutoff)} and d.closed_at is null
            and not exists (select 1 from follow_ups f where f.deal_id = d.id and f.undone_at is null and f.created_at > q.decided_at)
            and not exists (select 1 from nudges n where n.subject_id = d.id and n.kind = 'silent_quote' and n.episode = q.id::text)
          limit 500`,
    );
    let sent = 0;
    for (const d of rows) {
      if (!(await claim(tx, tenant.id, d.id, 'silent_quote', d.quote_id, sendAt))) continue;
      const text = `📝 待办：报价 ${shortId('quote', d.quote_short_no)}（${formatFen(Number(d.amount_fen))}）批准后 ${tenant.settings.nudges.silentQuoteDays} 天没有跟进。` +
        `问问客户 ${d.customer_name} 的反馈吧：/跟进 ${shortId('deal', d.short_no)} <内容>`;
      for (const id of recipients(d, tenant.settings.alerts.silentQuote)) {
        const body = id === d.owner_id ? text : `📝 报价 ${shortId('quote', d.quote_short_no)}（${formatFen(Number(d.amount_fen))}）批准后 ${tenant.settings.nudges.silentQuoteDays} 天没有跟进：` +
          `${shortId('deal', d.short_no)} ${d.customer_name} · ${d.title}（负责人 ${d.owner_name}）。`;
        sent += await notifyUser(tx, tenant.id, id, { type: 'text', text: body }, { notBefore: sendAt });
      }
    }
    return sent;
  });
}

/** A pending approval step older than N working hours → one reminder to its approver. */
export async function scanApprovalReminders(db: Db, tenant: TenantRules, now: Date): Promise<number> {
  const wh = tenant.settings.workingHours;
  const sendAt = nextAllowedTime(now, tenant.timeZone, tenant.settings.quietHours);
  return db.transaction(async (tx) => {
    const rows = await queryRows<{ id: string; approver_id: string; created_at: string; short_no: number; title: string; amount_fen: string }>(
      tx,
      sql`select s.id, s.approver_id, s.created_at, r.short_no, d.title, q.amount_fen
          from approval_steps s join approval_requests r on r.id = s.request_id
          join quotes q on q.id = r.quote_id join deals d on d.id = q.deal_id
          where s.tenant_id = ${tenant.id} and s.status = 'pending' and s.reminded_at is null and r.status = 'pending'
            and s.created_at <= ${at(new Date(now.getTime() - tenant.settings.approval.reminderWorkingHours * HOUR))}
          limit 500`,
    );
    let sent = 0;
    for (const s of rows) {
      const hours = workingHoursBetween(new Date(s.created_at), now, tenant.timeZone, { startHour: wh.start, endHour: wh.end, workdays: wh.days });
      if (hours < tenant.settings.approval.reminderWorkingHours) continue;
      if (!(await claim(tx, tenant.id, s.id, 'approval_reminder', 'once', sendAt))) continue;
      await tx.update(approvalSteps).set({ remindedAt: now }).where(and(eq(approvalSteps.id, s.id), sql`reminded_at is null`));
      const a = shortId('approval', s.short_no);
      const text = `⏰ 审批提醒：${a}「${s.title}」${formatFen(Number(s.amount_fen))} 已等待你 ${Math.floor(hours)} 个工作小时。/批准 ${a} 或 /驳回 ${a} <原因>`;
      sent += await notifyUser(tx, tenant.id, s.approver_id, { type: 'text', text }, { notBefore: sendAt });
    }
    return sent;
  });
}

async function managersOf(db: DbOrTx, tenantId: string, d: { manager_id: string | null }): Promise<string[]> {
  if (d.manager_id) return [d.manager_id];
  return (await usersWithRole(db, tenantId, 'director')).map((u) => u.id);
}
