// Loads everything an approval card shows (quote, deal, customer, steps with approvers) and builds the card.
import { asc, eq } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Card } from '../../cards/model.js';
import { buildApprovalCard } from '../../cards/approval-card.js';
import type { DbOrTx } from '../db/client.js';
import { approvalRequests, approvalSteps, customers, deals, quotes, users } from '../db/schema/index.js';
import { APPROVER_ROLE_LABELS } from '../domain/approval-rules.js';
import type { Ctx } from './context.js';
import { shortId } from './counters.js';

export async function loadApproval(db: DbOrTx, requestId: string) {
  const [row] = await db
    .select({ request: approvalRequests, quote: quotes, deal: deals, customerName: customers.name, repName: users.name })
    .from(approvalRequests)
    .innerJoin(quotes, eq(quotes.id, approvalRequests.quoteId))
    .innerJoin(deals, eq(deals.id, quotes.dealId))
    .innerJoin(customers, eq(customers.id, deals.customerId))
    .innerJoin(users, eq(users.id, approvalRequests.requesterId))
    .where(eq(approvalRequests.id, requestId));
  if (!row) return undefined;
  const rerouted = alias(users, 'rerouted_from');
  const reassigned = alias(users, 'reassigned_from');
  const steps = await db
    .select({ step: approvalSteps, approverName: users.name, reroutedFromName: rerouted.name, reassignedFromName: reassigned.name })
    .from(approvalSteps)
    .innerJoin(users, eq(users.id, approvalSteps.approverId))
    .leftJoin(rerouted, eq(rerouted.id, approvalSteps.reroutedFromId))
    .leftJoin(reassigned, eq(reassigned.id, approvalSteps.reassignedFromId))
    .where(eq(approvalSteps.requestId, requestId))
    .orderBy(asc(approvalSteps.createdAt), asc(approvalSteps.role));
  return { ...row, steps };
}

export type LoadedApproval = NonNullable<Awaited<ReturnType<typeof loadApproval>>>;

export function cardOf(a: LoadedApproval, timeZone: string): Card {
  return buildApprovalCard({
    approvalId: shortId('approval', a.request.shortNo),
    customerName: a.customerName,
    dealId: shortId('deal', a.deal.shortNo),
    dealTitle: a.deal.title,
    amountFen: a.quote.amountFen,
    discountPercent: a.quote.discountBp / 100,
    repName: a.repName,
    note: a.quote.note ?? '',
    // 'cancelled' is the request status of a quote its requester withdrew (/撤回).
    status: a.request.status === 'cancelled' ? 'withdrawn' : a.request.status,
    ...(a.request.status === 'cancelled' && a.request.closedAt ? { withdrawnAt: a.request.closedAt } : {}),
    timeZone,
    steps: a.steps.map(({ step, approverName, reroutedFromName, reassignedFromName }) => ({
      roleLabel: APPROVER_ROLE_LABELS[step.role],
      approverName,
      ...(reroutedFromName ? { reroutedFrom: reroutedFromName } : {}),
      ...(reassignedFromName ? { reassignedFrom: reassignedFromName } : {}),
      status: step.status,
      ...(step.decidedAt ? { decidedAt: step.decidedAt } : {}),
      ...(step.comment ? { comment: step.comment } : {}),
    })),
  });
}

export async function approvalCard(ctx: Ctx, requestId: string): Promise<Card> {
  return cardOf((await loadApproval(ctx.db, requestId))!, ctx.timeZone);
}
