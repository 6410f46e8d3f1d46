// Deciding approval steps: only the pending approver (the platform-verified actor) may decide; one rejection
// rejects, all approvals approve; then the rep is told and every copy of the card is updated in place.
import { and, eq, isNull } from 'drizzle-orm';
import type { Card } from '../../cards/model.js';
import { approvalRequests, approvalSteps, quotes, sentCards } from '../db/schema/index.js';
import { APPROVER_ROLE_LABELS, requestOutcome } from '../domain/approval-rules.js';
import { DomainError } from '../domain/errors.js';
import { formatFen } from '../domain/money.js';
import { enqueue, notifyUser } from '../outbox/enqueue.js';
import { cardOf, loadApproval, type LoadedApproval } from './approval-view.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { parseShortId, shortId } from './counters.js';

export type Decision = 'approved' | 'rejected';

export interface DecisionResult {
  approval: LoadedApproval;
  /** The request's state after this decision. */
  outcome: 'pending' | 'approved' | 'rejected';
  /** The card as it now looks (for the clicked card's in-place answer). */
  card: Card;
}

export async function findApprovalId(ctx: Ctx, ref: string): Promise<string> {
  const no = parseShortId(ref, 'approval');
  if (no === undefined) throw new DomainError('INVALID_INPUT', `审批号应当像 A-12（收到「${ref}」）。`);
  const [r] = await ctx.db
    .select({ id: approvalRequests.id })
    .from(approvalRequests)
    .where(and(eq(approvalRequests.tenantId, ctx.actor.tenantId), eq(approvalRequests.shortNo, no)));
  if (!r) throw new DomainError('NOT_FOUND', `没有找到审批 ${ref}。`);
  return r.id;
}

export async function decideApproval(ctx: Ctx, requestId: string, decision: Decision, comment?: string): Promise<DecisionResult> {
  const before = await loadApproval(ctx.db, requestId);
  if (!before || before.request.tenantId !== ctx.actor.tenantId) throw new DomainError('NOT_FOUND', '没有找到这个审批。');
  const label = shortId('approval', before.request.shortNo);
  // Routing never makes the requester an approver (services/approvers.ts); this guards steps written any other way.
  if (before.request.requesterId === ctx.actor.userId) throw new DomainError('NOT_ALLOWED', `审批 ${label} 是你发起的，不能自己审批。`);
  const mine = before.steps.filter((s) => s.step.approverId === ctx.actor.userId);
  if (mine.length === 0) throw new DomainError('NOT_ALLOWED', `你不是审批 ${label} 的审批人，无法操作。`);
  if (before.request.status !== 'pending') {
    throw new DomainError('ALREADY_DECIDED', `审批 ${label} 已经${statusLabel(before.request.status)}，无需再操作。`);
  }
  const pending = mine.filter((s) => s.step.status === 'pending');
  if (pending.length === 0) throw new DomainError('ALREADY_DECIDED', `你已经处理过审批 ${label}，无需重复操作。`);
  if (decision === 'rejected' && !comment?.trim()) {
    throw new DomainError('INVALID_INPUT', `驳回需要写原因：/驳回 ${label} <原因>`);
  }

  for (const { step } of pending) {
    // `status = 'pending'` makes a concurrent second click match nothing.
    const updated = await ctx.db
      .update(approvalSteps)
      .set({ status: decision, comment: comment?.trim() || null, decidedAt: ctx.now })
      .where(and(eq(approvalSteps.id, step.id), eq(approvalSteps.status, 'pending')))
      .returning({ id: approvalSteps.id });
    if (updated.length === 0) throw new DomainError('ALREADY_DECIDED', `你已经处理过审批 ${label}，无需重复操作。`);
    await recordAudit(ctx, {
      action: `approval.${decision}`,
      entityType: 'approval_step',
      entityId: step.id,
      before: { status: 'pending' },
      after: { status: decision, comment, role: step.role },
    });
  }

  const after = (await loadApproval(ctx.db, requestId))!;
  const outcome = requestOutcome(after.steps.map((s) => s.step.status));
  if (outcome !== 'pending') await closeRequest(ctx, after, outcome);
  const final = (await loadApproval(ctx.db, requestId))!;
  return { approval: final, outcome, card: cardOf(final, ctx.timeZone) };
}

async function closeRequest(ctx: Ctx, a: LoadedApproval, outcome: 'approved' | 'rejected') {
  const closed = await ctx.db
    .update(approvalRequests)
    .set({ status: outcome, closedAt: ctx.now })
    .where(and(eq(approvalRequests.id, a.request.id), eq(approvalRequests.status, 'pending')))
    .returning({ id: approvalRequests.id });
  if (closed.length === 0) return;
  if (outcome === 'rejected') {
    await ctx.db
      .update(approvalSteps)
      .set({ status: 'skipped' })
      .where(and(eq(approvalSteps.requestId, a.request.id), eq(approvalSteps.status, 'pending')));
  }
  await ctx.db.update(quotes).set({ status: outcome, decidedAt: ctx.now }).where(eq(quotes.id, a.quote.id));
  await recordAudit(ctx, { action: `approval.close`, entityType: 'approval_request', entityId: a.request.id, after: { status: outcome } });

  const final = (await loadApproval(ctx.db, a.request.id))!;
  const label = shortId('approval', a.request.shortNo);
  const dealLabel = shortId('deal', a.deal.shortNo);
  const reason = final.steps.find((s) => s.step.status === 'rejected');
  const text =
    outcome === 'approved'
      ? `✅ 报价审批 ${label} 已通过：${dealLabel}「${a.deal.title}」${formatFen(a.quote.amountFen)}。现在可以把商机推进到签约：/推进 ${dealLabel} 签约`
      : `❌ 报价审批 ${label} 被驳回（${APPROVER_ROLE_LABELS[reason!.step.role]} ${reason!.approverName}：${reason!.step.comment}）。` +
        `调整后可重新发起：/报价 ${dealLabel} <金额> [折扣%]`;
  await notifyUser(ctx.db, ctx.actor.tenantId, a.request.requesterId, { type: 'text', text });

  // Update every copy of the card we sent (each approver, each platform) to its final state.
  const card = cardOf(final, ctx.timeZone);
  const told = new Set<string>();
  const copies = await ctx.db
    .select()
    .from(sentCards)
    .where(and(eq(sentCards.subjectKind, 'approval'), eq(sentCards.subjectId, a.request.id), isNull(sentCards.cardRefUsedAt)));
  for (const copy of copies) {
    if (!copy.cardRef) {
      // A card the platform cannot update (DingTalk without a card template): tell its recipient instead, once.
      if (copy.userId && copy.userId !== ctx.actor.userId && !told.has(copy.userId)) {
        told.add(copy.userId);
        await notifyUser(ctx.db, ctx.actor.tenantId, copy.userId, { type: 'text', text: `报价审批 ${label} 已结束：${card.footer ?? statusLabel(outcome)}，无需再处理。` });
      }
      continue;
    }
    await enqueue(ctx.db, {
      tenantId: ctx.actor.tenantId,
      platform: copy.platform,
      target: { cardRef: copy.cardRef },
      payload: { op: 'update', card },
      dedupKey: `approval-final:${copy.id}`,
    });
  }
}

function statusLabel(s: string) {
  return s === 'approved' ? '通过' : s === 'rejected' ? '驳回' : '撤销';
}
