// Recycling (回收): an owned 潜在 customer with no follow-up and no open deal for pool.recycleDays goes back to the
// pool; its owner is warned pool.recycleWarnDays before, and may not claim it back for pool.reclaimBlockDays
// (src/services/pool.ts). Customers in a handover (离职交接) wait for their receiver instead. Audited as the system.
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { customers, nudges } from '../db/schema/index.js';
import { formatDay } from '../domain/dates.js';
import { deliveryTime } from '../domain/due.js';
import { notifyUser } from '../outbox/enqueue.js';
import { systemCtx } from './audit.js';
import { customerShortId } from './customers.js';
import { moveOwner } from './pool.js';
import type { TenantRules } from './tenant-settings.js';

const DAY = 24 * 3600_000;
const BATCH = 500;

interface IdleRow {
  id: string;
  short_no: number;
  name: string;
  owner_id: string;
  last_activity_at: string;
}

/** Owned, unmerged 潜在 customers outside a handover, idle since at or before `idleSince`, with no open deal. */
function idleCustomers(db: DbOrTx, tenantId: string, idleSince: Date, extra = sql``, lock = sql``) {
  return queryRows<IdleRow>(
    db,
    sql`select c.id, c.short_no, c.name, c.owner_id, c.last_activity_at from customers c
        where c.tenant_id = ${tenantId} and c.owner_id is not null and c.merged_into_id is null and c.handover_id is null
          and c.status = 'prospect' and c.last_activity_at <= ${at(idleSince)}
          and not exists (select 1 from deals d where d.customer_id = c.id and d.closed_at is null)
          ${extra}
        order by c.last_activity_at
        limit ${BATCH} ${lock}`,
  );
}

export async function scanRecycling(db: Db, tenant: TenantRules, now: Date): Promise<{ warnings: number; recycled: number }> {
  const rules = tenant.settings.pool;
  if (rules.recycleDays === 0) return { warnings: 0, recycled: 0 };
  const sendAt = deliveryTime(now, tenant.timeZone, tenant.settings);
  const recycleBefore = new Date(now.getTime() - rules.recycleDays * DAY);
  let recycled = 0;
  for (;;) {
    const n = await db.transaction(async (tx) => {
      const ctx = systemCtx(tx, tenant.id, now, tenant.timeZone);
      const rows = await idleCustomers(tx, tenant.id, recycleBefore, sql``, sql`for update of c skip locked`);
      for (const r of rows) {
        const [c] = await tx.select().from(customers).where(sql`${customers.id} = ${r.id}`);
        await moveOwner(ctx, c!, null, 'customer.recycle', { rule: `${rules.recycleDays} 天无跟进、无进行中的商机` });
        const id = customerShortId(c!);
        const text = `♻️ ${id} ${c!.name} 已 ${rules.recycleDays} 天没有跟进、也没有进行中的商机，已回收到公海。${rules.reclaimBlockDays > 0 ? `${rules.reclaimBlockDays} 天内你不能重新领取。` : ''}`;
        await notifyUser(tx, tenant.id, r.owner_id, { type: 'text', text }, { notBefore: sendAt, dedupKey: `recycled:${r.id}:${new Date(r.last_activity_at).getTime()}` });
      }
      return rows.length;
    });
    recycled += n;
    if (n < BATCH) break;
  }
  let warnings = 0;
  if (rules.recycleWarnDays > 0 && rules.recycleWarnDays < rules.recycleDays) {
    const warnBefore = new Date(now.getTime() - (rules.recycleDays - rules.recycleWarnDays) * DAY);
    warnings = await db.transaction(async (tx) => {
      const rows = await idleCustomers(
        tx,
        tenant.id,
        warnBefore,
        sql`and not exists (select 1 from nudges n where n.subject_id = c.id and n.kind = 'recycle_warning'
                            and n.episode = ((extract(epoch from c.last_activity_at) * 1000)::bigint)::text)`,
      );
      let sent = 0;
      for (const r of rows) {
        const last = new Date(r.last_activity_at);
        const claimed = await tx
          .insert(nudges)
          .values({ tenantId: tenant.id, subjectId: r.id, kind: 'recycle_warning', episode: String(last.getTime()), sentAt: sendAt })
          .onConflictDoNothing()
          .returning({ id: nudges.id });
        if (claimed.length === 0) continue;
        const id = customerShortId({ shortNo: r.short_no });
        const when = formatDay(new Date(last.getTime() + rules.recycleDays * DAY), tenant.timeZone);
        const days = Math.floor((now.getTime() - last.getTime()) / DAY);
        const text = `⚠️ ${id} ${r.name} 已 ${days} 天没有跟进，${when} 将回收到公海。要保留，请记录一次跟进：/跟进 ${id} <内容>`;
        sent += await notifyUser(tx, tenant.id, r.owner_id, { type: 'text', text }, { notBefore: sendAt });
      }
      return sent;
    });
  }
  return { warnings, recycled };
}
