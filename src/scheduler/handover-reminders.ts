// The daily reminder of waiting handovers (离职交接, src/services/handover.ts): the leaver's manager and whoever started
// it hear once per handover per local day, outside quiet hours; after the transition period it says it is overdue.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { customers, handovers } from '../db/schema/index.js';
import { formatDay } from '../domain/dates.js';
import { isQuiet } from '../domain/quiet-hours.js';
import { notifyUser } from '../outbox/enqueue.js';
import { HANDOVER_TRANSITION_DAYS, handoverNo } from '../services/handover.js';
import type { TenantRules } from '../services/tenant-settings.js';
import { getUser } from '../services/users.js';
import { claimSlot } from './claim.js';

const DAY = 24 * 3600_000;

/** Each pending handover older than today, in the tenant's zone; returns the reminders queued. */
export async function scanHandoverReminders(db: Db, tenant: TenantRules, now: Date, instanceId = 'rules'): Promise<number> {
  if (isQuiet(now, tenant.timeZone, tenant.settings.quietHours)) return 0;
  const today = formatDay(now, tenant.timeZone);
  const pending = await db
    .select()
    .from(handovers)
    .where(and(eq(handovers.tenantId, tenant.id), eq(handovers.status, 'pending')))
    .limit(500);
  let sent = 0;
  for (const h of pending) {
    if (formatDay(h.createdAt, tenant.timeZone) === today) continue;
    sent += await db.transaction(async (tx) => {
      if (!(await claimSlot(tx, `handover-reminder:${h.id}`, today, instanceId))) return 0;
      const [from, to] = await Promise.all([getUser(tx, h.fromUserId), getUser(tx, h.toUserId)]);
      // Calendar days in the tenant's zone: started Monday, reminded Tuesday morning = 1 day.
      const days = Math.round((Date.parse(today) - Date.parse(formatDay(h.createdAt, tenant.timeZone))) / DAY);
      const [c] = await tx.select({ n: sql<number>`count(*)::int` }).from(customers).where(eq(customers.handoverId, h.id));
      const what = `${from?.name ?? '离职人'} 的离职交接 ${handoverNo(h)}（${Number(c?.n ?? 0)} 个客户，接手人 ${to?.name ?? '未知'}）`;
      const text =
        days >= HANDOVER_TRANSITION_DAYS
          ? `⚠️ ${what} 已超过 ${HANDOVER_TRANSITION_DAYS} 天过渡期（${days} 天）仍未接收，客户无人跟进。请尽快督促接收，或联系管理员处理。`
          : `⏳ ${what} 已等待 ${days} 天，尚未接收（过渡期还剩 ${HANDOVER_TRANSITION_DAYS - days} 天）。请提醒 ${to?.name ?? '接手人'} 发送 /接收交接 ${handoverNo(h)}。`;
      const recipients = new Set<string>();
      if (from?.managerId) recipients.add(from.managerId);
      recipients.add(h.createdById);
      let n = 0;
      for (const id of recipients) {
        const u = await getUser(tx, id);
        if (!u?.active) continue;
        n += await notifyUser(tx, tenant.id, id, { type: 'text', text }, { dedupKey: `handover-reminder:${h.id}:${today}:${id}` });
      }
      return n;
    });
  }
  return sent;
}
