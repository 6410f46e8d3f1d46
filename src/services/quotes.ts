// Quotes: /报价 creates a quote and its approval request, with approvers resolved now and cards sent to each.
// A deal has at most one pending request: a new price means withdrawing the pending one first (/撤回).
import { eq } from 'drizzle-orm';
import { approvalRequests, approvalSteps, deals, quotes } from '../db/schema/index.js';
import { APPROVER_ROLE_LABELS, routeQuote, type ApproverRole } from '../domain/approval-rules.js';
import { DomainError } from '../domain/errors.js';
import { formatFenShort } from '../domain/money.js';
import { assertAmount } from '../domain/money.js';
import { assertFieldFits } from '../domain/text-gate.js';
import { isOpenStage } from '../domain/stages.js';
import { notifyUser } from '../outbox/enqueue.js';
import { pendingRequestOnDeal } from './approvals.js';
import { approvalCard } from './approval-view.js';
import { activeAdmins, resolveApprover } from './approvers.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { nextShortNo, shortId } from './counters.js';
import { type Deal, dealShortId } from './deals.js';
import { getUser, type User } from './users.js';
import { assertMayChange } from './visibility.js';
import { tenantSettings } from './tenant-settings.js';

export type QuoteRequestResult =
  | { ok: true; approvalShortId: string; approvers: Array<{ role: ApproverRole; name: string }> }
  | { ok: false; missingRoles: ApproverRole[] };

export async function requestQuoteApproval(
  ctx: Ctx,
  deal: Deal,
  input: { amountFen: number; discountBp: number; note?: string },
): Promise<QuoteRequestResult> {
  await assertMayChange(ctx, deal.ownerId, `商机 ${dealShortId(deal)}`);
  if (!isOpenStage(deal.stage)) throw new DomainError('ALREADY_CLOSED', `商机 ${dealShortId(deal)} 已关闭，不能再报价。`);
  if (input.discountBp >= 10_000 || input.discountBp < 0) throw new DomainError('INVALID_INPUT', '折扣必须在 0% 到 100% 之间（不含 100%）。');
  assertAmount(input.amountFen, '报价金额');
  assertFieldFits('note', input.note?.trim());
  // Locking the deal row serialises two requests for one deal, so the pending check below cannot race.
  await ctx.db.select({ id: deals.id }).from(deals).where(eq(deals.id, deal.id)).for('update');
  const pending = await pendingRequestOnDeal(ctx, deal.id);
  if (pending) {
    const a = shortId('approval', pending.shortNo);
    throw new DomainError(
      'DUPLICATE',
      `${dealShortId(deal)} 已有待审批的报价 ${a}（${formatFenShort(pending.amountFen)}）。要改价请先 /撤回 ${a}`,
      { approval: a },
    );
  }
  const rules = (await tenantSettings(ctx.db, ctx.actor.tenantId)).approval;
  const requester = (await getUser(ctx.db, ctx.actor.userId))!;
  const roles = routeQuote(input, rules);

  const approvers: Array<{ role: ApproverRole; user: User; reroutedFrom?: User }> = [];
  const missing: ApproverRole[] = [];
  for (const role of roles) {
    const resolved = await resolveApprover(ctx.db, requester, role);
    if (resolved) approvers.push({ role, ...resolved });
    else missing.push(role);
  }
  if (missing.length > 0) {
    await alertAdmins(ctx, missing, deal);
    return { ok: false, missingRoles: missing };
  }

  const [quote] = await ctx.db
    .insert(quotes)
    .values({
      tenantId: ctx.actor.tenantId,
      shortNo: await nextShortNo(ctx.db, ctx.actor.tenantId, 'quote'),
      dealId: deal.id,
      amountFen: input.amountFen,
      discountBp: input.discountBp,
      note: input.note?.trim() || null,
      createdById: ctx.actor.userId,
      createdAt: ctx.now,
    })
    .returning();
  const [request] = await ctx.db
    .insert(approvalRequests)
    .values({
      tenantId: ctx.actor.tenantId,
      shortNo: await nextShortNo(ctx.db, ctx.actor.tenantId, 'approval'),
      quoteId: quote!.id,
      requesterId: ctx.actor.userId,
      createdAt: ctx.now,
    })
    .returning();
  await ctx.db.insert(approvalSteps).values(
    approvers.map((a) => ({
      tenantId: ctx.actor.tenantId,
      requestId: request!.id,
      role: a.role,
      approverId: a.user.id,
      reroutedFromId: a.reroutedFrom?.id ?? null,
      createdAt: ctx.now,
    })),
  );
  await recordAudit(ctx, { action: 'quote.request', entityType: 'approval_request', entityId: request!.id, after: { quote, approvers: approvers.map((a) => ({ role: a.role, userId: a.user.id, ...(a.reroutedFrom ? { reroutedFromId: a.reroutedFrom.id } : {}) })) } });

  const card = await approvalCard(ctx, request!.id);
  for (const a of approvers) {
    await notifyUser(ctx.db, ctx.actor.tenantId, a.user.id, { type: 'card', card }, {
      recordAs: { subjectKind: 'approval', subjectId: request!.id, userId: a.user.id },
    });
  }
  return {
    ok: true,
    approvalShortId: shortId('approval', request!.shortNo),
    approvers: approvers.map((a) => ({ role: a.role, name: a.user.name })),
  };
}

async function alertAdmins(ctx: Ctx, missing: ApproverRole[], deal: Deal) {
  const labels = missing.map((r) => APPROVER_ROLE_LABELS[r]).join('、');
  const text = `⚠️ 审批配置缺失：${ctx.actor.name} 为商机 ${dealShortId(deal)} 发起报价审批，但系统里没有「${labels}」审批人。` +
    `请用 /设置 角色 <人> <角色> 或 /设置 上级 <人> <上级> 补齐。`;
  for (const admin of await activeAdmins(ctx.db, ctx.actor.tenantId)) {
    await notifyUser(ctx.db, ctx.actor.tenantId, admin.id, { type: 'text', text });
  }
}
