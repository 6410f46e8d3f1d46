// Deals: open on a customer, advance through the pipeline with exit criteria enforced (back only with a reason),
// close as lost, reopen a lost deal, correct its title and amount.
import { and, desc, eq, isNull, or, sql } from 'drizzle-orm';
import { approvalRequests, customers, deals, followUps, quotes, stageHistory } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { lookupKeys } from '../domain/names.js';
import { assertAmount } from '../domain/money.js';
import { assertFieldFits } from '../domain/text-gate.js';
import {
  STAGE_PROBABILITY,
  checkAdvance,
  isOpenStage,
  stageIndex,
  type Stage,
  type StageFacts,
  type StageLabels,
} from '../domain/stages.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { nextShortNo, parseShortId, shortId } from './counters.js';
import type { Customer } from './customers.js';
import { startAfterWin } from './after-win.js';
import { pipelineRules } from './tenant-settings.js';
import { assertMayChange, awaitingMyDecision, viewFilter, visibleOwnerIds } from './visibility.js';

export type Deal = typeof deals.$inferSelect;
export const dealShortId = (d: Pick<Deal, 'shortNo'>) => shortId('deal', d.shortNo);

export async function openDeal(
  ctx: Ctx,
  customer: Customer,
  input: { title: string; amountFen?: number; expectedCloseOn?: string; productLine?: string },
): Promise<Deal> {
  await assertMayChange(ctx, customer.ownerId, `客户「${customer.name}」`);
  const title = input.title.trim();
  if (!title) throw new DomainError('INVALID_INPUT', '请写上商机标题，例如：/新商机 华东五金 不锈钢阀门 5万');
  assertFieldFits('dealTitle', title);
  assertAmount(input.amountFen, '商机金额');
  const shortNo = await nextShortNo(ctx.db, ctx.actor.tenantId, 'deal');
  const [deal] = await ctx.db
    .insert(deals)
    .values({
      tenantId: ctx.actor.tenantId,
      shortNo,
      customerId: customer.id,
      title,
      amountFen: input.amountFen ?? null,
      expectedCloseOn: input.expectedCloseOn ?? null,
      productLine: input.productLine ?? null,
      ownerId: customer.ownerId!, // assertMayChange refused a pool entry (owner null) above
      stage: 'lead',
      probability: STAGE_PROBABILITY.lead,
      stageEnteredAt: ctx.now,
      lastActivityAt: ctx.now,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .returning();
  await ctx.db.insert(stageHistory).values({
    tenantId: ctx.actor.tenantId,
    dealId: deal!.id,
    stage: 'lead',
    enteredAt: ctx.now,
    actorId: ctx.actor.userId,
  });
  await recordAudit(ctx, { action: 'deal.open', entityType: 'deal', entityId: deal!.id, after: deal });
  return deal!;
}

export async function stageFacts(ctx: Ctx, dealId: string): Promise<StageFacts> {
  const [f] = await ctx.db
    .select({
      followUpCount: sql<number>`count(*)::int`,
      followUpsWithNeed: sql<number>`count(*) filter (where coalesce(trim(${followUps.nextStep}), '') <> '')::int`,
    })
    .from(followUps)
    .where(and(eq(followUps.dealId, dealId), isNull(followUps.undoneAt)));
  const [q] = await ctx.db
    .select({ approved: sql<number>`count(*)::int` })
    .from(quotes)
    .where(and(eq(quotes.dealId, dealId), eq(quotes.status, 'approved')));
  const [d] = await ctx.db.select({ amountFen: deals.amountFen }).from(deals).where(eq(deals.id, dealId));
  return {
    followUpCount: Number(f?.followUpCount ?? 0),
    followUpsWithNeed: Number(f?.followUpsWithNeed ?? 0),
    approvedQuotes: Number(q?.approved ?? 0),
    amountFen: d?.amountFen ?? null,
  };
}

/** The amount a won deal takes: its latest approved quote's, and which approval that was. */
export interface WonAmount {
  approvalShortId: string;
  amountFen: number;
  /** The deal's amount before winning (null when it had none). */
  previousFen: number | null;
}

/**
 * Moves a deal forward (the tenant's exit criteria of every skipped stage enforced) or back to an earlier stage
 * (only with a reason, which is audited); won closes the deal and takes the latest approved quote's amount.
 * Messages use the tenant's stage labels, which are returned for the caller's reply.
 */
export async function advanceStage(
  ctx: Ctx,
  deal: Deal,
  to: Stage,
  opts: { reason?: string } = {},
): Promise<{ deal: Deal; from: Stage; labels: StageLabels; wonAmount?: WonAmount; visitAt?: Date }> {
  await assertMayChange(ctx, deal.ownerId, `商机 ${dealShortId(deal)}`);
  const { labels, exitCriteria } = await pipelineRules(ctx.db, ctx.actor.tenantId);
  const from = deal.stage;
  if (!isOpenStage(from)) {
    const hint = from === 'lost' ? `如需重新跟进：/重开 ${dealShortId(deal)} <原因>` : '';
    throw new DomainError('ALREADY_CLOSED', `商机 ${dealShortId(deal)} 已经${labels[from]}，不能再推进。${hint}`);
  }
  if (to === 'lost') throw new DomainError('INVALID_INPUT', `标记${labels.lost}请用：/输单 ${dealShortId(deal)} <原因>`);
  if (to === from) throw new DomainError('INVALID_INPUT', `商机 ${dealShortId(deal)} 已经在「${labels[to]}」阶段。`);
  const reason = opts.reason?.trim();
  if (isBackward(from, to) && !reason) {
    throw new DomainError(
      'INVALID_INPUT',
      `把 ${dealShortId(deal)} 从「${labels[from]}」退回「${labels[to]}」需要写原因：/推进 ${dealShortId(deal)} ${labels[to]} 原因:<…>`,
    );
  }
  if (!isBackward(from, to)) {
    const missing = checkAdvance(from, to, await stageFacts(ctx, deal.id), { labels, exitCriteria });
    if (missing.length > 0) {
      throw new DomainError(
        'STAGE_CRITERIA_UNMET',
        `还不能把 ${dealShortId(deal)} 推进到「${labels[to]}」：\n${missing.map((m) => `· ${m}`).join('\n')}`,
        { missing },
      );
    }
  }
  const wonAmount = to === 'won' ? await latestApprovedQuote(ctx, deal) : undefined;
  if (to === 'won' && reason) assertFieldFits('reason', reason);
  const updated = await moveToStage(ctx, deal, to, {
    ...(reason && isBackward(from, to) ? { reason } : {}),
    ...(reason && to === 'won' ? { wonReason: reason } : {}),
    ...(wonAmount ? { amountFen: wonAmount.amountFen } : {}),
  });
  const afterWin = to === 'won' ? await startAfterWin(ctx, updated) : undefined;
  return { deal: updated, from, labels, ...(wonAmount ? { wonAmount } : {}), ...(afterWin ? { visitAt: afterWin.visitAt } : {}) };
}

/** True when an open deal in `from` would go back to the earlier open stage `to` (closed deals do not move). */
export const isBackward = (from: Stage, to: Stage) => isOpenStage(from) && isOpenStage(to) && stageIndex(to) < stageIndex(from);

async function latestApprovedQuote(ctx: Ctx, deal: Deal): Promise<WonAmount | undefined> {
  const [q] = await ctx.db
    .select({ amountFen: quotes.amountFen, shortNo: approvalRequests.shortNo })
    .from(quotes)
    .innerJoin(approvalRequests, eq(approvalRequests.quoteId, quotes.id))
    .where(and(eq(quotes.dealId, deal.id), eq(quotes.status, 'approved')))
    .orderBy(desc(quotes.decidedAt), desc(quotes.createdAt))
    .limit(1);
  if (!q) return undefined;
  return { approvalShortId: shortId('approval', q.shortNo), amountFen: q.amountFen, previousFen: deal.amountFen };
}

/**
 * 成交原因 given after the win (the win's reply asks for it, as /输单 asks for the loss reason): recorded once;
 * the same answer again changes nothing, a different one is refused rather than silently replacing it.
 */
export async function recordWonReason(ctx: Ctx, deal: Deal, reason: string): Promise<{ deal: Deal; changed: boolean }> {
  await assertMayChange(ctx, deal.ownerId, `商机 ${dealShortId(deal)}`);
  const text = reason.trim();
  if (!text) throw new DomainError('INVALID_INPUT', `请写上成交原因，例如：/推进 ${dealShortId(deal)} 签约 原因:价格有优势`);
  assertFieldFits('reason', text);
  if (deal.wonReason === text) return { deal, changed: false };
  if (deal.wonReason) throw new DomainError('ALREADY_DECIDED', `${dealShortId(deal)} 已记录成交原因：${deal.wonReason}。`);
  const [updated] = await ctx.db
    .update(deals)
    .set({ wonReason: text, updatedAt: ctx.now })
    .where(and(eq(deals.id, deal.id), eq(deals.stage, 'won'), isNull(deals.wonReason)))
    .returning();
  if (!updated) throw new DomainError('ALREADY_DECIDED', `商机 ${dealShortId(deal)} 刚刚被其他人更新，请 /查看 后重试。`);
  await recordAudit(ctx, { action: 'deal.won_reason', entityType: 'deal', entityId: deal.id, after: { wonReason: text } });
  return { deal: updated, changed: true };
}

export async function closeLost(ctx: Ctx, deal: Deal, reason: string): Promise<Deal> {
  await assertMayChange(ctx, deal.ownerId, `商机 ${dealShortId(deal)}`);
  if (!isOpenStage(deal.stage)) {
    const { labels } = await pipelineRules(ctx.db, deal.tenantId);
    throw new DomainError('ALREADY_CLOSED', `商机 ${dealShortId(deal)} 已经${labels[deal.stage]}。`);
  }
  if (!reason.trim()) throw new DomainError('INVALID_INPUT', `输单需要写原因，例如：/输单 ${dealShortId(deal)} 价格没谈拢`);
  assertFieldFits('reason', reason.trim());
  return moveToStage(ctx, deal, 'lost', { lostReason: reason.trim() });
}

/**
 * /重开: a lost deal goes back to the stage it was lost from (its last stint before 输单 in the stage history;
 * 线索 when there is none), with a fresh activity clock so the silence reminders start over. Owner or manager.
 */
export async function reopenDeal(ctx: Ctx, deal: Deal, reason: string): Promise<{ deal: Deal; labels: StageLabels }> {
  await assertMayChange(ctx, deal.ownerId, `商机 ${dealShortId(deal)}`);
  const { labels } = await pipelineRules(ctx.db, ctx.actor.tenantId);
  if (deal.stage !== 'lost') {
    throw new DomainError(
      'INVALID_INPUT',
      deal.stage === 'won' ? `商机 ${dealShortId(deal)} 已经${labels.won}，不能重开。` : `商机 ${dealShortId(deal)} 没有${labels.lost}，无需重开。`,
    );
  }
  if (!reason.trim()) throw new DomainError('INVALID_INPUT', `重开需要写原因，例如：/重开 ${dealShortId(deal)} 客户重新询价`);
  const [last] = await ctx.db
    .select({ stage: stageHistory.stage })
    .from(stageHistory)
    .where(and(eq(stageHistory.dealId, deal.id), sql`${stageHistory.stage} <> 'lost'`))
    .orderBy(desc(stageHistory.enteredAt))
    .limit(1);
  const back = last && isOpenStage(last.stage) ? last.stage : 'lead';
  const updated = await moveToStage(ctx, deal, back, { reason: reason.trim(), action: 'deal.reopen', touch: true });
  return { deal: updated, labels };
}

/** /修改 D-… 标题/金额: corrects a deal's title or amount (amount only while the deal is open). */
export async function updateDeal(ctx: Ctx, deal: Deal, change: { title?: string; amountFen?: number }): Promise<Deal> {
  await assertMayChange(ctx, deal.ownerId, `商机 ${dealShortId(deal)}`);
  const title = change.title?.trim();
  if (change.title !== undefined && !title) throw new DomainError('INVALID_INPUT', '商机标题不能为空。');
  assertFieldFits('dealTitle', title);
  assertAmount(change.amountFen, '商机金额');
  if (change.amountFen !== undefined && !isOpenStage(deal.stage)) {
    const { labels } = await pipelineRules(ctx.db, deal.tenantId);
    throw new DomainError('ALREADY_CLOSED', `商机 ${dealShortId(deal)} 已经${labels[deal.stage]}，不能再改金额。`);
  }
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  if (title !== undefined && title !== deal.title) [before.title, after.title] = [deal.title, title];
  if (change.amountFen !== undefined && change.amountFen !== deal.amountFen) [before.amountFen, after.amountFen] = [deal.amountFen, change.amountFen];
  if (Object.keys(after).length === 0) return deal;
  const [updated] = await ctx.db
    .update(deals)
    .set({ ...after, updatedAt: ctx.now })
    .where(eq(deals.id, deal.id))
    .returning();
  await recordAudit(ctx, { action: 'deal.update', entityType: 'deal', entityId: deal.id, before, after });
  return updated!;
}

interface MoveExtra {
  lostReason?: string;
  /** 成交原因 of a win. */
  wonReason?: string;
  /** Why (a move back, a reopen): kept in the audit entry. */
  reason?: string;
  /** The amount the deal takes (a win at the approved quote's amount). */
  amountFen?: number;
  action?: string;
  /** Restart the activity clock (a reopened deal is fresh work, not 48 hours of silence). */
  touch?: boolean;
}

async function moveToStage(ctx: Ctx, deal: Deal, to: Stage, extra: MoveExtra): Promise<Deal> {
  const closing = to === 'won' || to === 'lost';
  // Optimistic check on the stage we read: a concurrent move makes this update match nothing.
  const [updated] = await ctx.db
    .update(deals)
    .set({
      stage: to,
      probability: STAGE_PROBABILITY[to],
      stageEnteredAt: ctx.now,
      updatedAt: ctx.now,
      closedAt: closing ? ctx.now : null,
      lostReason: extra.lostReason ?? null,
      wonReason: extra.wonReason ?? null,
      ...(extra.amountFen !== undefined ? { amountFen: extra.amountFen } : {}),
      ...(extra.touch ? { lastActivityAt: ctx.now, nextDueAt: null } : {}),
    })
    .where(and(eq(deals.id, deal.id), eq(deals.stage, deal.stage)))
    .returning();
  if (!updated) throw new DomainError('ALREADY_DECIDED', `商机 ${dealShortId(deal)} 刚刚被其他人更新，请 /查看 后重试。`);
  await ctx.db
    .update(stageHistory)
    .set({ leftAt: ctx.now })
    .where(and(eq(stageHistory.dealId, deal.id), isNull(stageHistory.leftAt)));
  await ctx.db.insert(stageHistory).values({
    tenantId: deal.tenantId,
    dealId: deal.id,
    stage: to,
    enteredAt: ctx.now,
    leftAt: closing ? ctx.now : null,
    actorId: ctx.actor.userId,
  });
  const amountChanged = extra.amountFen !== undefined && extra.amountFen !== deal.amountFen;
  await recordAudit(ctx, {
    action: extra.action ?? (to === 'lost' ? 'deal.lost' : 'deal.stage'),
    entityType: 'deal',
    entityId: deal.id,
    before: { stage: deal.stage, ...(deal.lostReason ? { lostReason: deal.lostReason } : {}), ...(amountChanged ? { amountFen: deal.amountFen } : {}) },
    after: {
      stage: to,
      lostReason: extra.lostReason,
      ...(extra.wonReason ? { wonReason: extra.wonReason } : {}),
      ...(extra.reason ? { reason: extra.reason } : {}),
      ...(amountChanged ? { amountFen: extra.amountFen } : {}),
    },
  });
  return updated;
}

/** Deals the actor may see matching a short id (D-17), or a fuzzy title / customer name. Open deals first. */
export async function findDeals(ctx: Ctx, ref: string): Promise<Array<Deal & { customerName: string }>> {
  const owners = await visibleOwnerIds(ctx);
  const waiting = owners === null ? [] : (await awaitingMyDecision(ctx)).dealIds;
  const base = and(eq(deals.tenantId, ctx.actor.tenantId), viewFilter(deals.ownerId, owners, deals.id, waiting));
  const select = () =>
    ctx.db
      .select({ d: deals, customerName: customers.name })
      .from(deals)
      .innerJoin(customers, eq(customers.id, deals.customerId));
  const flat = (rows: Array<{ d: Deal; customerName: string }>) => rows.map((r) => ({ ...r.d, customerName: r.customerName }));
  const no = parseShortId(ref, 'deal');
  if (no !== undefined) return flat(await select().where(and(base, eq(deals.shortNo, no))));
  const text = ref.trim().toLowerCase();
  const keys = lookupKeys(ref).filter((k) => k !== '');
  const byCustomer = (keys.length ? keys : [text]).map((k) => sql`position(${k} in ${customers.normalisedName}) > 0`);
  const rows = await select()
    .where(and(base, or(sql`position(${text} in lower(${deals.title})) > 0`, ...byCustomer)))
    .orderBy(sql`${deals.closedAt} is not null`, desc(deals.updatedAt))
    .limit(9);
  const open = rows.filter((r) => r.d.closedAt === null);
  return flat(open.length > 0 ? open : rows);
}

/** The customer's one open deal, when it has exactly one (a follow-up on such a customer counts for that deal). */
export async function onlyOpenDeal(ctx: Ctx, customerId: string): Promise<Deal | undefined> {
  const open = await ctx.db
    .select()
    .from(deals)
    .where(and(eq(deals.customerId, customerId), isNull(deals.closedAt)))
    .limit(2);
  return open.length === 1 ? open[0] : undefined;
}
