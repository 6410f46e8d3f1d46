// The customer's life after the win: a won deal makes the customer 正式 and sets its owner a 回访 (after-sales
// visit) task afterWin.visitDays later; a 正式 customer with no order and no follow-up for afterWin.winBackDays
// gets a 沉默客户挽回 reminder with its last deal and products (and is marked 沉默 until someone follows up).
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { customers, deals, nudges, tasks } from '../db/schema/index.js';
import { formatDay } from '../domain/dates.js';
import { deliveryTime } from '../domain/due.js';
import { formatFen } from '../domain/money.js';
import { notifyUser } from '../outbox/enqueue.js';
import type { Ctx } from './context.js';
import { customerShortId } from './customers.js';
import { shortId } from './counters.js';
import { tenantSettings, type TenantRules } from './tenant-settings.js';

const DAY = 24 * 3600_000;
/** A follow-up this close to a task's due time (or after it) does the task. */
const TASK_WINDOW = DAY;

type WonDeal = Pick<typeof deals.$inferSelect, 'id' | 'tenantId' | 'customerId' | 'ownerId' | 'title' | 'shortNo'>;

/** Called in the win's transaction: the customer's idle clock restarts and the 回访 task is set (once per deal). */
export async function startAfterWin(ctx: Ctx, deal: WonDeal): Promise<{ visitAt: Date }> {
  const s = await tenantSettings(ctx.db, deal.tenantId);
  const visitAt = new Date(ctx.now.getTime() + s.afterWin.visitDays * DAY);
  await ctx.db.update(customers).set({ status: 'active', lastActivityAt: ctx.now, updatedAt: ctx.now }).where(eq(customers.id, deal.customerId));
  await ctx.db
    .insert(tasks)
    .values({
      tenantId: deal.tenantId,
      kind: 'after_sales_visit',
      ownerId: deal.ownerId,
      customerId: deal.customerId,
      dealId: deal.id,
      title: `回访：${shortId('deal', deal.shortNo)}「${deal.title}」签约后`,
      dueAt: visitAt,
      createdAt: ctx.now,
    })
    .onConflictDoNothing();
  return { visitAt };
}

/**
 * A follow-up on the customer, in one statement: its activity clock moves, its due (or nearly due) tasks are done,
 * and a 沉默 customer is 正式 again. (One statement, so a /跟进 stays within its statement budget,
 * test/inbound/statements.postgres.test.ts.)
 */
export async function touchCustomerOnFollowUp(ctx: Ctx, customerId: string): Promise<void> {
  const now = ctx.now.toISOString();
  const window = new Date(ctx.now.getTime() + TASK_WINDOW).toISOString();
  await queryRows(ctx.db, sql`with done as (
      update tasks set done_at = ${now}::timestamptz
      where customer_id = ${customerId} and done_at is null and due_at <= ${window}::timestamptz
      returning 1)
    update customers set last_activity_at = ${now}::timestamptz, updated_at = ${now}::timestamptz,
      status = case when status = 'dormant' then 'active'::customer_status else status end
    where id = ${customerId}`);
}

/** Open tasks of a customer (for /查看). */
export async function openTasks(db: DbOrTx, customerId: string) {
  return db.select().from(tasks).where(and(eq(tasks.customerId, customerId), isNull(tasks.doneAt))).orderBy(tasks.dueAt).limit(5);
}

interface SilentRow {
  id: string;
  short_no: number;
  name: string;
  owner_id: string;
  last_activity_at: string;
}

export async function scanAfterWin(db: Db, tenant: TenantRules, now: Date): Promise<{ visits: number; winBacks: number }> {
  const sendAt = deliveryTime(now, tenant.timeZone, tenant.settings);
  const visits = await db.transaction(async (tx) => {
    const due = await tx
      .update(tasks)
      .set({ remindedAt: now })
      .where(
        sql`${tasks.id} in (select id from tasks where tenant_id = ${tenant.id} and due_at <= ${at(now)} and reminded_at is null and done_at is null
                            order by due_at limit 500 for update skip locked)`,
      )
      .returning();
    let sent = 0;
    for (const t of due) {
      const [c] = await tx.select().from(customers).where(eq(customers.id, t.customerId));
      if (!c) continue;
      const id = customerShortId(c);
      const text = `📅 回访提醒：${id} ${c.name} —— ${t.title} ${tenant.settings.afterWin.visitDays} 天了，请安排回访（使用情况、售后、复购）。回访后记录：/跟进 ${id} 回访 <内容>`;
      sent += await notifyUser(tx, tenant.id, c.ownerId ?? t.ownerId, { type: 'text', text }, { notBefore: sendAt, dedupKey: `visit:${t.id}` });
    }
    return sent;
  });
  const days = tenant.settings.afterWin.winBackDays;
  if (days === 0) return { visits, winBacks: 0 };
  const winBacks = await db.transaction(async (tx) => {
    const rows = await queryRows<SilentRow>(
      tx,
      sql`select c.id, c.short_no, c.name, c.owner_id, c.last_activity_at from customers c
          where c.tenant_id = ${tenant.id} and c.status = 'active' and c.owner_id is not null and c.merged_into_id is null
            and c.last_activity_at <= ${at(new Date(now.getTime() - days * DAY))}
            and not exists (select 1 from deals d where d.customer_id = c.id and d.stage = 'won' and d.closed_at > c.last_activity_at)
            and not exists (select 1 from nudges n where n.subject_id = c.id and n.kind = 'win_back'
                            and n.episode = ((extract(epoch from c.last_activity_at) * 1000)::bigint)::text)
          order by c.last_activity_at limit 500`,
    );
    let sent = 0;
    for (const r of rows) {
      const last = new Date(r.last_activity_at);
      const claimed = await tx
        .insert(nudges)
        .values({ tenantId: tenant.id, subjectId: r.id, kind: 'win_back', episode: String(last.getTime()), sentAt: sendAt })
        .onConflictDoNothing()
        .returning({ id: nudges.id });
      if (claimed.length === 0) continue;
      await tx.update(customers).set({ status: 'dormant' }).where(eq(customers.id, r.id));
      sent += await notifyUser(tx, tenant.id, r.owner_id, { type: 'text', text: await winBackText(tx, r, now, tenant.timeZone, days) }, { notBefore: sendAt });
    }
    return sent;
  });
  return { visits, winBacks };
}

async function winBackText(db: DbOrTx, r: SilentRow, now: Date, tz: string, days: number): Promise<string> {
  const won = await db
    .select()
    .from(deals)
    .where(and(eq(deals.customerId, r.id), eq(deals.stage, 'won')))
    .orderBy(desc(deals.closedAt))
    .limit(20);
  const id = customerShortId({ shortNo: r.short_no });
  const silent = Math.floor((now.getTime() - new Date(r.last_activity_at).getTime()) / DAY);
  const last = won[0];
  const lastLine = last
    ? `上一单：${shortId('deal', last.shortNo)}「${last.title}」${last.amountFen ? ` ${formatFen(last.amountFen)}` : ''}，${last.closedAt ? formatDay(last.closedAt, tz) : ''} 签约。`
    : '';
  const products = [...new Set(won.map((d) => d.productLine ?? d.title))].slice(0, 5);
  const productLine = products.length > 0 ? `买过：${products.join('、')}。` : '';
  return `💤 沉默客户挽回：${id} ${r.name} 已 ${silent} 天（超过 ${days} 天）没有新订单、也没有跟进。${lastLine}${productLine}\n问问近况和复购需求吧：/跟进 ${id} <内容>`;
}
