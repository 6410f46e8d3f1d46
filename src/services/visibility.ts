// Who may see and change which records: a rep their own, a manager their reports' (transitively),
// director/admin everything; everyone sees the lead pool (公海: customers without an owner), and nobody changes a
// pool entry before it is claimed or assigned (src/services/pool.ts). An approver also sees the deal and customer of a request waiting for their decision
// (read only: changes still go through assertMayChange), and nothing else of that rep's.
import { and, eq, inArray, isNull, or, type SQL, type AnyColumn, sql } from 'drizzle-orm';
import { approvalRequests, approvalSteps, customers, deals, quotes } from '../db/schema/index.js';
import { seesAll } from '../domain/roles.js';
import { DomainError } from '../domain/errors.js';
import type { Ctx } from './context.js';
import { reportIds } from './users.js';

/** null = everything; otherwise the owner ids the actor may see. */
export async function visibleOwnerIds(ctx: Ctx): Promise<string[] | null> {
  if (seesAll(ctx.actor.role)) return null;
  if (ctx.actor.role === 'manager') return [ctx.actor.userId, ...(await reportIds(ctx.db, ctx.actor.userId))];
  return [ctx.actor.userId];
}

export async function assertMayChange(ctx: Ctx, ownerId: string | null, what: string): Promise<void> {
  if (ownerId === null) {
    throw new DomainError('NOT_ALLOWED', `${what}在公海里，还没有负责人。请先领取（/领取 客户编号），或请经理 /分配 给你。`);
  }
  const owners = await visibleOwnerIds(ctx);
  if (owners !== null && !owners.includes(ownerId)) {
    throw new DomainError('NOT_ALLOWED', `${what}不属于你或你的下属，无法操作。如需接手，请联系你的经理。`);
  }
}

/** Deals and customers with a request waiting for the actor's own decision. */
export async function awaitingMyDecision(ctx: Ctx): Promise<{ dealIds: string[]; customerIds: string[] }> {
  const rows = await ctx.db
    .selectDistinct({ dealId: deals.id, customerId: deals.customerId })
    .from(approvalSteps)
    .innerJoin(approvalRequests, eq(approvalRequests.id, approvalSteps.requestId))
    .innerJoin(quotes, eq(quotes.id, approvalRequests.quoteId))
    .innerJoin(deals, eq(deals.id, quotes.dealId))
    .where(
      and(
        eq(approvalSteps.tenantId, ctx.actor.tenantId),
        eq(approvalSteps.approverId, ctx.actor.userId),
        eq(approvalSteps.status, 'pending'),
        eq(approvalRequests.status, 'pending'),
      ),
    );
  return { dealIds: rows.map((r) => r.dealId), customerIds: rows.map((r) => r.customerId) };
}

/** Customers the actor may view: viewFilter over their owner, plus every pool entry (owner null). */
export function customerViewFilter(owners: string[] | null, waiting: string[]): SQL {
  if (owners === null) return sql`true`;
  return or(viewFilter(customers.ownerId, owners, customers.id, waiting), isNull(customers.ownerId))!;
}

/** Whether the actor sees this customer's own records (its owner is theirs, or it sits in the pool). */
export const seesCustomerRecords = (owners: string[] | null, ownerId: string | null) => owners === null || ownerId === null || owners.includes(ownerId);

/** Rows the actor may view: their owners' (visibleOwnerIds), plus the given ids waiting for their decision. */
export function viewFilter(ownerColumn: AnyColumn, owners: string[] | null, idColumn: AnyColumn, waiting: string[]): SQL {
  if (owners === null) return sql`true`;
  const own = inArray(ownerColumn, owners);
  return waiting.length > 0 ? or(own, inArray(idColumn, waiting))! : own;
}
