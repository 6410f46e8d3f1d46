// Golden response (黄金响应) for a newly assigned lead: the owner is told at once; untouched (no follow-up since the
// assignment) after pool.goldenMinutes working minutes → a reminder to the owner; after nudges.newLeadHours → the
// owner's manager (the new-lead rule, counted from the assignment). Each is claimed once per (customer, kind,
// assignment instant) in the nudges table, so repeated or concurrent ticks send it once.
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { nudges } from '../db/schema/index.js';
import { formatDate } from '../domain/dates.js';
import type { TenantSettings } from '../domain/settings.js';
import { deliveryTime, workingDeadline } from '../domain/due.js';
import { notifyUser } from '../outbox/enqueue.js';
import type { Ctx } from './context.js';
import { type Customer, customerShortId } from './customers.js';
import { tenantSettings, type TenantRules } from './tenant-settings.js';
import { usersWithRole } from './users.js';

const HOUR = 3600_000;
/** Leads assigned longer ago than this are past every golden-response step. */
const LOOKBACK_DAYS = 30;

/** The instant-based episode of one assignment: a new assignment starts a new golden-response clock. */
const episodeOf = (assignedAt: Date) => String(assignedAt.getTime());

function describeLead(c: Pick<Customer, 'region' | 'industry' | 'sourceChannel' | 'phone'>): string {
  const parts = [c.region && `地区 ${c.region}`, c.industry && `行业 ${c.industry}`, c.sourceChannel && `来源 ${c.sourceChannel}`, c.phone && `电话 ${c.phone}`];
  const s = parts.filter(Boolean).join('，');
  return s ? `（${s}）` : '';
}

/** The new owner hears at once (inside the assignment's transaction), with the rule that chose them. */
/** When a lead assigned at `assignedAt` must have been contacted, as the notice shows it. */
export const goldenDueText = (ctx: Ctx, assignedAt: Date, s: TenantSettings) =>
  formatDate(workingDeadline(assignedAt, s.pool.goldenMinutes, ctx.timeZone, s.workingHours), ctx.timeZone, ctx.now);

/** The notice a new owner gets, and its once-per-assignment key (for notifyUser or notifyUsers). */
export function goldenNotice(ctx: Ctx, c: Customer & { ownerId: string; assignedAt: Date }, rule: string | undefined, s: TenantSettings, dueText?: string) {
  const id = customerShortId(c);
  const due = dueText ?? goldenDueText(ctx, c.assignedAt, s);
  const text =
    `🆕 新线索分配给你：${id} ${c.name}${describeLead(c)}。${rule ? `分配依据：${rule}。` : ''}\n` +
    `请在 ${s.pool.goldenMinutes} 个工作分钟内（${due} 前）联系，并记录：/跟进 ${id} <内容>`;
  return { userId: c.ownerId, message: { type: 'text' as const, text }, dedupKey: `golden-notice:${c.id}:${episodeOf(c.assignedAt)}` };
}

export async function queueGoldenNotice(ctx: Ctx, c: Customer, rule: string | undefined, settings?: TenantSettings): Promise<void> {
  if (!c.ownerId || !c.assignedAt) return;
  const s = settings ?? (await tenantSettings(ctx.db, c.tenantId));
  const n = goldenNotice(ctx, { ...c, ownerId: c.ownerId, assignedAt: c.assignedAt }, rule, s);
  await notifyUser(ctx.db, c.tenantId, n.userId, n.message, { dedupKey: n.dedupKey });
}

interface LeadRow {
  id: string;
  short_no: number;
  name: string;
  owner_id: string;
  owner_name: string;
  manager_id: string | null;
  assigned_at: string;
}

/** Owned leads whose current assignment has had no follow-up and no `kind` nudge yet, assigned before `before`. */
function untouchedLeads(db: DbOrTx, tenantId: string, kind: 'golden_response' | 'new_lead', before: Date, now: Date) {
  return queryRows<LeadRow>(
    db,
    sql`select c.id, c.short_no, c.name, c.owner_id, u.name as owner_name, u.manager_id, c.assigned_at
        from customers c join users u on u.id = c.owner_id
        where c.tenant_id = ${tenantId} and c.owner_id is not null and c.assigned_at is not null
          and c.assigned_at <= ${at(before)} and c.assigned_at > ${at(new Date(now.getTime() - LOOKBACK_DAYS * 24 * HOUR))}
          and c.merged_into_id is null
          and not exists (select 1 from follow_ups f where f.customer_id = c.id and f.undone_at is null and f.created_at >= c.assigned_at)
          and not exists (select 1 from nudges n where n.subject_id = c.id and n.kind = ${kind}
                          and n.episode = ((extract(epoch from c.assigned_at) * 1000)::bigint)::text)
        order by c.assigned_at
        limit 500`,
  );
}

async function claim(db: DbOrTx, tenantId: string, subjectId: string, kind: 'golden_response' | 'new_lead', episode: string, sentAt: Date) {
  const rows = await db.insert(nudges).values({ tenantId, subjectId, kind, episode, sentAt }).onConflictDoNothing().returning({ id: nudges.id });
  return rows.length > 0;
}

/** Untouched after the golden minutes (working time) → the owner; after newLeadHours → the manager (or directors). */
export async function scanGoldenResponse(db: Db, tenant: TenantRules, now: Date): Promise<{ reminders: number; escalations: number }> {
  const s = tenant.settings;
  const sendAt = deliveryTime(now, tenant.timeZone, s);
  return db.transaction(async (tx) => {
    let reminders = 0;
    // Working minutes are never fewer than wall-clock minutes, so the SQL bound only narrows the candidates.
    for (const l of await untouchedLeads(tx, tenant.id, 'golden_response', new Date(now.getTime() - s.pool.goldenMinutes * 60_000), now)) {
      const assignedAt = new Date(l.assigned_at);
      const due = workingDeadline(assignedAt, s.pool.goldenMinutes, tenant.timeZone, s.workingHours);
      if (due > now) continue;
      if (!(await claim(tx, tenant.id, l.id, 'golden_response', episodeOf(assignedAt), sendAt))) continue;
      const id = customerShortId({ shortNo: l.short_no });
      const text = `⏰ 黄金响应：新线索 ${id} ${l.name} 分配给你已超过 ${s.pool.goldenMinutes} 个工作分钟，还没有跟进记录。现在联系，并记录：/跟进 ${id} <内容>`;
      reminders += await notifyUser(tx, tenant.id, l.owner_id, { type: 'text', text }, { notBefore: sendAt, dedupKey: `golden:${l.id}:${episodeOf(assignedAt)}` });
    }
    let escalations = 0;
    const hours = s.nudges.newLeadHours;
    for (const l of await untouchedLeads(tx, tenant.id, 'new_lead', new Date(now.getTime() - hours * HOUR), now)) {
      const assignedAt = new Date(l.assigned_at);
      if (!(await claim(tx, tenant.id, l.id, 'new_lead', episodeOf(assignedAt), sendAt))) continue;
      const id = customerShortId({ shortNo: l.short_no });
      const text = `📌 新线索分配超过 ${hours} 小时未联系：${id} ${l.name}（负责人 ${l.owner_name}，${formatDate(assignedAt, tenant.timeZone, now)} 分配）。请督促跟进，或 /分配 ${id} <人> 换人。`;
      const to = l.manager_id ? [l.manager_id] : (await usersWithRole(tx, tenant.id, 'director')).map((u) => u.id);
      for (const m of to) escalations += await notifyUser(tx, tenant.id, m, { type: 'text', text }, { notBefore: sendAt, dedupKey: `golden-escalate:${l.id}:${episodeOf(assignedAt)}:${m}` });
    }
    return { reminders, escalations };
  });
}
