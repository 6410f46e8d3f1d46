// "My to-dos": deals due for follow-up (overdue first) and approval steps waiting for me.
import { and, asc, eq, isNull, lte, or, sql } from 'drizzle-orm';
import { approvalRequests, approvalSteps, customers, deals, quotes } from '../db/schema/index.js';
import type { Ctx } from './context.js';

/** A deal is due when its next follow-up time has come or nothing has happened for this long. */
export const SILENCE_MS = 48 * 3600_000;

export interface TodoDeal {
  id: string;
  shortNo: number;
  title: string;
  customerName: string;
  stage: (typeof deals.$inferSelect)['stage'];
  nextDueAt: Date | null;
  lastActivityAt: Date;
  overdue: boolean;
}

export interface TodoApproval {
  requestShortNo: number;
  role: (typeof approvalSteps.$inferSelect)['role'];
  amountFen: number;
  discountBp: number;
  dealTitle: string;
  waitingSince: Date;
}

export async function myTodos(ctx: Ctx, horizon: Date): Promise<{ deals: TodoDeal[]; approvals: TodoApproval[] }> {
  const silentSince = new Date(ctx.now.getTime() - SILENCE_MS);
  const rows = await ctx.db
    .select({
      id: deals.id,
      shortNo: deals.shortNo,
      title: deals.title,
      customerName: customers.name,
      stage: deals.stage,
      nextDueAt: deals.nextDueAt,
      lastActivityAt: deals.lastActivityAt,
    })
    .from(deals)
    .innerJoin(customers, eq(customers.id, deals.customerId))
    .where(
      and(
        eq(deals.tenantId, ctx.actor.tenantId),
        eq(deals.ownerId, ctx.actor.userId),
        isNull(deals.closedAt),
        or(lte(deals.nextDueAt, horizon), lte(deals.lastActivityAt, silentSince)),
      ),
    )
    .orderBy(asc(sql`coalesce(${deals.nextDueAt}, ${deals.lastActivityAt} + interval '48 hours')`))
    .limit(30);
  const todoDeals = rows.map((r) => ({
    ...r,
    overdue:
      (r.nextDueAt !== null && r.nextDueAt <= ctx.now) || r.lastActivityAt.getTime() <= silentSince.getTime(),
  }));
  todoDeals.sort((a, b) => Number(b.overdue) - Number(a.overdue));

  const approvals = await ctx.db
    .select({
      requestShortNo: approvalRequests.shortNo,
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
