// Deciding approval steps: only the pending approver (the platform-verified actor) may decide; one rejection
// rejects, all approvals approve; then the rep is told and every copy of the card is updated in place. The
// requester may withdraw a pending request (/撤回), which updates every copy the same way.
import { and, eq } from 'drizzle-orm';
import type { Card } from '../../cards/model.js';
import { approvalRequests, approvalSteps, quotes } from '../db/schema/index.js';
import { APPROVER_ROLE_LABELS, requestOutcome } from '../domain/approval-rules.js';
import { DomainError } from '../domain/errors.js';
import { formatFen } from '../domain/money.js';
import { assertFieldFits } from '../domain/text-gate.js';
import { notifyUser } from '../outbox/enqueue.js';
import { quoteFileMessage } from './quote-document.js';
import { cardOf, loadApproval, type LoadedApproval } from './approval-view.js';
import { activeAdmins, replacementApprover } from './approvers.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { parseShortId, shortId } from './counters.js';
import { tenantSettings } from './tenant-settings.js';
import { getUser, type User } from './users.js';
import { updateCardCopies as updateCopies } from './card-copies.js';

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
  assertFieldFits('comment', comment?.trim());
  // One decision at a time per request: without the row lock, the last two parallel steps decided at the same moment
  // (two approvers, two inbox drainers) each still saw the other pending, and neither closed the request.
  await ctx.db.select({ id: approvalRequests.id }).from(approvalRequests).where(eq(approvalRequests.id, requestId)).for('update');
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
  // Still open: every copy shows who has decided and who is still pending, not only once the request closes.
  else await updateCardCopies(ctx, requestId, cardOf(after, ctx.timeZone), { progress: progressKey(after) });
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
  await notifyUser(ctx.db, ctx.actor.tenantId, a.request.requesterId, { type: 'text', text: outcome === 'approved' ? `${text}\n报价单 PDF 见下一条消息；以后可以发 /报价单 ${shortId('quote', a.quote.shortNo)} 再取。` : text });
  // The approved quote as a PDF for the rep to forward to the customer (src/documents/quote-pdf.ts).
  if (outcome === 'approved') await notifyUser(ctx.db, ctx.actor.tenantId, a.request.requesterId, await quoteFileMessage(ctx, final));

  const card = cardOf(final, ctx.timeZone);
  await updateCardCopies(ctx, a.request.id, card, {
    // A card the platform cannot update (DingTalk without a card template): tell its recipient instead, once.
    textForUnupdatable: `报价审批 ${label} 已结束：${card.footer ?? statusLabel(outcome)}，无需再处理。`,
  });
}

/** Every copy of the request's card shows `card` (services/card-copies.ts). */
function updateCardCopies(ctx: Ctx, requestId: string, card: Card, opts: { textForUnupdatable?: string; progress?: string }) {
  const { progress } = opts;
  return updateCopies(ctx.db, {
    tenantId: ctx.actor.tenantId,
    actorUserId: ctx.actor.userId,
    subject: { kind: 'approval', id: requestId },
    card,
    dedupKey: (copy) => (progress ? `approval-progress:${copy}:${progress}` : `approval-final:${copy}`),
    ...(progress ? { progress: true } : {}),
    ...(opts.textForUnupdatable ? { textForUnupdatable: opts.textForUnupdatable } : {}),
  });
}

/** Identifies a state of an open request (who decides which step, and how far), for the progress updates' dedup key. */
function progressKey(a: LoadedApproval): string {
  return a.steps.map((s) => `${s.step.role}.${s.step.approverId.slice(0, 8)}.${s.step.status[0]}`).join('-');
}

export interface MovedSteps {
  moved: Array<{ approval: string; role: string; to: string }>;
  /** Steps nobody could take (no manager, receiver or admin other than the requester): they stay, admins are told. */
  stranded: string[];
}

/**
 * A deactivated approver's pending steps move on (admin API deactivation, /交接): to the handover's receiver or
 * the leaver's manager as the tenant chose, never to the requester (services/approvers.ts). Every copy of the
 * card shows the new approver, the new approver gets the card, and each move is audited. Call it in the
 * transaction that deactivates `leaver`.
 */
export async function moveStepsOfLeaver(ctx: Ctx, leaverId: string, opts: { receiver?: User; reason: 'deactivate' | 'handover' }): Promise<MovedSteps> {
  const leaver = await getUser(ctx.db, leaverId);
  const result: MovedSteps = { moved: [], stranded: [] };
  if (!leaver) return result;
  const { strandedStepsTo } = (await tenantSettings(ctx.db, leaver.tenantId)).approval;
  const pending = await ctx.db
    .select({ step: approvalSteps, request: approvalRequests })
    .from(approvalSteps)
    .innerJoin(approvalRequests, eq(approvalRequests.id, approvalSteps.requestId))
    .where(and(eq(approvalSteps.tenantId, leaver.tenantId), eq(approvalSteps.approverId, leaver.id), eq(approvalSteps.status, 'pending'), eq(approvalRequests.status, 'pending')));
  const touched = new Map<string, Set<string>>();
  for (const { step, request } of pending) {
    const label = shortId('approval', request.shortNo);
    const requester = (await getUser(ctx.db, request.requesterId))!;
    const next = await replacementApprover(ctx.db, leaver, requester, { receiver: opts.receiver, strandedStepsTo });
    if (!next) {
      result.stranded.push(label);
      continue;
    }
    const updated = await ctx.db
      .update(approvalSteps)
      .set({ approverId: next.user.id, reassignedFromId: leaver.id, reroutedFromId: next.reroutedFrom?.id ?? step.reroutedFromId })
      .where(and(eq(approvalSteps.id, step.id), eq(approvalSteps.status, 'pending'), eq(approvalSteps.approverId, leaver.id)))
      .returning({ id: approvalSteps.id });
    if (updated.length === 0) continue;
    await recordAudit(ctx, {
      action: 'approval.step.reassign',
      entityType: 'approval_step',
      entityId: step.id,
      before: { approverId: leaver.id },
      after: { approverId: next.user.id, reason: opts.reason, rule: strandedStepsTo, ...(next.reroutedFrom ? { reroutedFromId: next.reroutedFrom.id } : {}) },
    });
    result.moved.push({ approval: label, role: APPROVER_ROLE_LABELS[step.role], to: next.user.name });
    const to = touched.get(request.id) ?? new Set<string>();
    touched.set(request.id, to.add(next.user.id));
  }
  for (const [requestId, newApprovers] of touched) {
    const a = (await loadApproval(ctx.db, requestId))!;
    const card = cardOf(a, ctx.timeZone);
    await updateCardCopies(ctx, requestId, card, { progress: progressKey(a) });
    for (const userId of newApprovers) {
      await notifyUser(ctx.db, leaver.tenantId, userId, { type: 'card', card }, {
        recordAs: { subjectKind: 'approval', subjectId: requestId, userId },
        dedupKey: `approval-moved:${requestId}:${leaver.id}:${userId}`,
      });
    }
  }
  if (result.stranded.length > 0) {
    const text = `⚠️ ${leaver.name} 已停用，但审批 ${result.stranded.join('、')} 中由其处理的步骤找不到可接手的人（没有上级、接手人或其他管理员）。请用 /设置 上级 补齐汇报线。`;
    for (const admin of await activeAdmins(ctx.db, leaver.tenantId)) await notifyUser(ctx.db, leaver.tenantId, admin.id, { type: 'text', text });
  }
  return result;
}


/**
 * /撤回: the requester takes back a pending request (to change the price, say). The request is cancelled, its
 * pending steps skipped, the quote withdrawn; every copy of the card shows 已撤回 and each approver is told.
 */
export async function withdrawApproval(ctx: Ctx, requestId: string): Promise<LoadedApproval> {
  // The same lock as decideApproval: a withdrawal and a last approval never both win.
  await ctx.db.select({ id: approvalRequests.id }).from(approvalRequests).where(eq(approvalRequests.id, requestId)).for('update');
  const before = await loadApproval(ctx.db, requestId);
  if (!before || before.request.tenantId !== ctx.actor.tenantId) throw new DomainError('NOT_FOUND', '没有找到这个审批。');
  const label = shortId('approval', before.request.shortNo);
  if (before.request.requesterId !== ctx.actor.userId) {
    throw new DomainError('NOT_ALLOWED', `审批 ${label} 不是你发起的，只有发起人 ${before.repName} 可以撤回。`);
  }
  if (before.request.status !== 'pending') {
    throw new DomainError('ALREADY_DECIDED', `审批 ${label} 已经${statusLabel(before.request.status)}，不能撤回。`);
  }
  // `status = 'pending'` makes a concurrent decision (or a second /撤回) match nothing.
  const closed = await ctx.db
    .update(approvalRequests)
    .set({ status: 'cancelled', closedAt: ctx.now })
    .where(and(eq(approvalRequests.id, requestId), eq(approvalRequests.status, 'pending')))
    .returning({ id: approvalRequests.id });
  if (closed.length === 0) throw new DomainError('ALREADY_DECIDED', `审批 ${label} 刚刚有了结果，请 /查看 ${shortId('deal', before.deal.shortNo)}。`);
  await ctx.db
    .update(approvalSteps)
    .set({ status: 'skipped' })
    .where(and(eq(approvalSteps.requestId, requestId), eq(approvalSteps.status, 'pending')));
  await ctx.db.update(quotes).set({ status: 'withdrawn', decidedAt: ctx.now }).where(eq(quotes.id, before.quote.id));
  await recordAudit(ctx, {
    action: 'approval.withdraw',
    entityType: 'approval_request',
    entityId: requestId,
    before: { status: 'pending', quoteStatus: before.quote.status },
    after: { status: 'cancelled', quoteStatus: 'withdrawn' },
  });

  const final = (await loadApproval(ctx.db, requestId))!;
  await updateCardCopies(ctx, requestId, cardOf(final, ctx.timeZone), {});
  const dealLabel = shortId('deal', final.deal.shortNo);
  const text = `↩️ ${final.repName} 撤回了报价审批 ${label}（${dealLabel}「${final.deal.title}」${formatFen(final.quote.amountFen)}），无需再处理。`;
  for (const approverId of new Set(final.steps.map((s) => s.step.approverId))) {
    if (approverId !== ctx.actor.userId) await notifyUser(ctx.db, ctx.actor.tenantId, approverId, { type: 'text', text });
  }
  return final;
}

/** The pending approval request on a deal, if any (there is at most one: src/services/quotes.ts). */
export async function pendingRequestOnDeal(ctx: Ctx, dealId: string) {
  const [row] = await ctx.db
    .select({ shortNo: approvalRequests.shortNo, amountFen: quotes.amountFen })
    .from(approvalRequests)
    .innerJoin(quotes, eq(quotes.id, approvalRequests.quoteId))
    .where(and(eq(quotes.dealId, dealId), eq(approvalRequests.status, 'pending')))
    .limit(1);
  return row;
}

function statusLabel(s: string) {
  return s === 'approved' ? '通过' : s === 'rejected' ? '驳回' : '撤回';
}
