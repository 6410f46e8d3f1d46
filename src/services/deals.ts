// Deals: open on a customer, advance through the pipeline with exit criteria enforced, close as lost.
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { customers, deals, followUps, quotes, stageHistory } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { normaliseCompanyName } from '../domain/names.js';
import {
  STAGE_LABELS,
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
import { pipelineRules } from './tenant-settings.js';
import { assertMayChange, awaitingMyDecision, ownerFilter, viewFilter, visibleOwnerIds } from './visibility.js';

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
      ownerId: customer.ownerId,
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

/**
 * Moves a deal forward (the tenant's exit criteria of every skipped stage enforced) or back one step; won
 * closes the deal. Messages use the tenant's stage labels, which are returned for the caller's reply.
 */
export async function advanceStage(
  ctx: Ctx,
  deal: Deal,
  to: Stage,
): Promise<{ deal: Deal; from: Stage; labels: StageLabels }> {
  await assertMayChange(ctx, deal.ownerId, `商机 ${dealShortId(deal)}`);
  const { labels, exitCriteria } = await pipelineRules(ctx.db, ctx.actor.tenantId);
  const from = deal.stage;
  if (!isOpenStage(from)) {
    throw new DomainError('ALREADY_CLOSED', `商机 ${dealShortId(deal)} 已经${labels[from]}，不能再推进。`);
  }
  if (to === 'lost') throw new DomainError('INVALID_INPUT', `标记${labels.lost}请用：/输单 ${dealShortId(deal)} <原因>`);
  if (to === from) throw new DomainError('INVALID_INPUT', `商机 ${dealShortId(deal)} 已经在「${labels[to]}」阶段。`);
  if (stageIndex(to) > stageIndex(from)) {
    const missing = checkAdvance(from, to, await stageFacts(ctx, deal.id), { labels, exitCriteria });
    if (missing.length > 0) {
      throw new DomainError(
        'STAGE_CRITERIA_UNMET',
        `还不能把 ${dealShortId(deal)} 推进到「${labels[to]}」：\n${missing.map((m) => `· ${m}`).join('\n')}`,
        { missing },
      );
    }
  }
  const updated = await moveToStage(ctx, deal, to, {});
  if (to === 'won') {
    await ctx.db
      .update(customers)
      .set({ status: 'active', updatedAt: ctx.now })
      .where(and(eq(customers.id, deal.customerId), sql`${customers.status} <> 'active'`));
  }
  return { deal: updated, from, labels };
}

export async function closeLost(ctx: Ctx, deal: Deal, reason: string): Promise<Deal> {
  await assertMayChange(ctx, deal.ownerId, `商机 ${dealShortId(deal)}`);
  if (!isOpenStage(deal.stage)) {
    throw new DomainError('ALREADY_CLOSED', `商机 ${dealShortId(deal)} 已经${STAGE_LABELS[deal.stage]}。`);
  }
  if (!reason.trim()) throw new DomainError('INVALID_INPUT', `输单需要写原因，例如：/输单 ${dealShortId(deal)} 价格没谈拢`);
  return moveToStage(ctx, deal, 'lost', { lostReason: reason.trim() });
}

async function moveToStage(ctx: Ctx, deal: Deal, to: Stage, extra: { lostReason?: string }): Promise<Deal> {
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
  await recordAudit(ctx, {
    action: to === 'lost' ? 'deal.lost' : 'deal.stage',
    entityType: 'deal',
    entityId: deal.id,
    before: { stage: deal.stage },
    after: { stage: to, lostReason: extra.lostReason },
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
  const key = normaliseCompanyName(ref) || text;
  const rows = await select()
    .where(
      and(
        base,
        sql`(position(${text} in lower(${deals.title})) > 0 or position(${key} in ${customers.normalisedName}) > 0)`,
      ),
    )
    .orderBy(sql`${deals.closedAt} is not null`, desc(deals.updatedAt))
    .limit(9);
  const open = rows.filter((r) => r.d.closedAt === null);
  return flat(open.length > 0 ? open : rows);
}

export async function getDeal(ctx: Ctx, id: string): Promise<Deal | undefined> {
  const [d] = await ctx.db.select().from(deals).where(eq(deals.id, id)).limit(1);
  return d;
}
