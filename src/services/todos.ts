// "My to-dos": deals due for follow-up by the one due rule (src/domain/due.ts; overdue first) and approval steps waiting for me.
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { at } from '../db/rows.js';
import { approvalRequests, approvalSteps, customers, deals, nudges, quotes, users } from '../db/schema/index.js';
import { dueOf, dueRules, isDue, type Due } from '../domain/due.js';
import type { Ctx } from './context.js';
import { DEAL_COLUMNS, dueAtSql } from './due.js';
import { tenantSettings } from './tenant-settings.js';

export interface TodoDeal {
  id: string;
  shortNo: number;
  title: string;
  customerName: string;
  stage: (typeof deals.$inferSelect)['stage'];
  nextDueAt: Date | null;
  lastActivityAt: Date;
  due: Due;
  overdue: boolean;
}

export interface TodoApproval {
  requestShortNo: number;
  dealShortNo: number;
  customerName: string;
  /** Who asked (the rep). */
  requesterName: string;
  role: (typeof approvalSteps.$inferSelect)['role'];
  amountFen: number;
  discountBp: number;
  dealTitle: string;
  waitingSince: Date;
}

export async function myTodos(ctx: Ctx, horizon: Date): Promise<{ deals: TodoDeal[]; approvals: TodoApproval[] }> {
  const rules = dueRules(await tenantSettings(ctx.db, ctx.actor.tenantId));
  const snoozedUntil = sql<Date | null>`(select ${nudges.snoozedUntil} from ${nudges} where ${nudges.subjectId} = ${deals.id}
    and ${nudges.kind} = 'overdue' and ${nudges.episode} = ((extract(epoch from ${deals.lastActivityAt}) * 1000)::bigint)::text)`;
  const dueAt = dueAtSql(rules, { ...DEAL_COLUMNS, snoozedUntil });
  const rows = await ctx.db
    .select({
      id: deals.id,
      shortNo: deals.shortNo,
      title: deals.title,
      customerName: customers.name,
      stage: deals.stage,
      nextDueAt: deals.nextDueAt,
      lastActivityAt: deals.lastActivityAt,
      snoozedUntil: snoozedUntil.mapWith((v: string | Date | null) => (v === null ? null : new Date(v))),
    })
    .from(deals)
    .innerJoin(customers, eq(customers.id, deals.customerId))
    .where(
      and(
        eq(deals.tenantId, ctx.actor.tenantId),
        eq(deals.ownerId, ctx.actor.userId),
        isNull(deals.closedAt),
        sql`${dueAt} <= ${at(horizon)}`,
      ),
    )
    .orderBy(asc(dueAt))
    .limit(30);
  // Earliest due first, so overdue deals lead the list.
  const todoDeals = rows.map(({ snoozedUntil: s, ...r }) => {
    const due = dueOf({ ...r, snoozedUntil: s }, rules);
    return { ...r, due, overdue: isDue(due, ctx.now) };
  });

  const approvals = await ctx.db
    .select({
      requestShortNo: approvalRequests.shortNo,
      dealShortNo: deals.shortNo,
      customerName: customers.name,
      requesterName: users.name,
      role: approvalSteps.role,
      amountFen: quotes.amountFen,
      discountBp: quotes.discountBp,
      dealTitle: deals.title,
      waitingSince: approvalSteps.createdAt,
    })
    .from(approvalSteps)
    .innerJoin(approvalRequests, eq(approvalRequests.id, approvalSteps.requestId))
    .innerJoin(quotes, eq(quotes.id, approvalRequests.quoteId))
    .innerJoin(deals, eq(deals.id, quotes.dealId))
    .innerJoin(customers, eq(customers.id, deals.customerId))
    .innerJoin(users, eq(users.id, approvalRequests.requesterId))
    .where(
      and(
        eq(approvalSteps.approverId, ctx.actor.userId),
        eq(approvalSteps.status, 'pending'),
        eq(approvalRequests.status, 'pending'),
      ),
    )
    .orderBy(asc(approvalSteps.createdAt));
  return { deals: todoDeals, approvals };
}
