// Payment collection (回款) on won deals: setting and replacing the plan (audited; received money is kept), recording
// money received (finance or the owner; over-collection refused), and each deal's status for views and exports.
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { queryRows } from '../db/rows.js';
import { deals, paymentInstalments, paymentReceipts } from '../db/schema/index.js';
import { collectionStatus, planInstalments, type CollectionStatus, type Instalment, type PlanShare } from '../domain/collection.js';
import { formatDay } from '../domain/dates.js';
import { DomainError } from '../domain/errors.js';
import { assertAmount, formatFen } from '../domain/money.js';
import { assertFieldFits } from '../domain/text-gate.js';
import { notifyUser } from '../outbox/enqueue.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { dealShortId, type Deal } from './deals.js';
import { assertMayRecordPayment, assertMaySetPaymentPlan } from './visibility.js';

export type { CollectionStatus };

/** The deal's amount owed, or the refusal saying why money cannot be collected on it yet. */
function owedOn(deal: Deal): number {
  if (deal.stage !== 'won') {
    throw new DomainError('INVALID_INPUT', `商机 ${dealShortId(deal)} 还没有签约；回款计划和回款只能登记在已签约的商机上。`);
  }
  if (!deal.amountFen) throw new DomainError('INVALID_INPUT', `商机 ${dealShortId(deal)} 没有金额，无法登记回款。请联系管理员补上金额。`);
  return deal.amountFen;
}

/** Locks the deal's row for the rest of the transaction, so two receipts or plans on it are decided one after the other. */
async function lockDeal(db: DbOrTx, dealId: string): Promise<Deal> {
  const [row] = await db.select().from(deals).where(eq(deals.id, dealId)).for('update');
  return row!;
}

async function currentPlan(db: DbOrTx, dealId: string): Promise<Instalment[]> {
  return db
    .select({ seq: paymentInstalments.seq, dueOn: paymentInstalments.dueOn, amountFen: paymentInstalments.amountFen })
    .from(paymentInstalments)
    .where(and(eq(paymentInstalments.dealId, dealId), isNull(paymentInstalments.replacedAt)))
    .orderBy(asc(paymentInstalments.seq));
}

async function receivedTotal(db: DbOrTx, dealId: string): Promise<number> {
  const [r] = await db
    .select({ fen: sql<string>`coalesce(sum(${paymentReceipts.amountFen}), 0)::text` })
    .from(paymentReceipts)
    .where(eq(paymentReceipts.dealId, dealId));
  return Number(r?.fen ?? 0);
}

const samePlan = (a: readonly Instalment[], b: readonly Instalment[]) =>
  a.length === b.length && a.every((x, i) => x.dueOn === b[i]!.dueOn && x.amountFen === b[i]!.amountFen);

/**
 * /回款计划: the deal's collection plan, replacing the current one (the old instalments are kept, marked replaced,
 * and the change is audited). Receipts stay as they are and are applied to the new instalments in order.
 */
export async function setPaymentPlan(
  ctx: Ctx,
  dealRef: Deal,
  shares: readonly PlanShare[],
): Promise<{ status: CollectionStatus; replaced: boolean; unchanged: boolean }> {
  await assertMaySetPaymentPlan(ctx, dealRef.ownerId, `商机 ${dealShortId(dealRef)}`);
  const deal = await lockDeal(ctx.db, dealRef.id);
  const owed = owedOn(deal);
  const planned = planInstalments(shares, owed);
  const today = formatDay(ctx.now, ctx.timeZone);
  const before = await currentPlan(ctx.db, deal.id);
  const received = await receivedTotal(ctx.db, deal.id);
  if (samePlan(before, planned)) return { status: collectionStatus(before, received, owed, today), replaced: false, unchanged: true };
  if (before.length > 0) {
    await ctx.db
      .update(paymentInstalments)
      .set({ replacedAt: ctx.now })
      .where(and(eq(paymentInstalments.dealId, deal.id), isNull(paymentInstalments.replacedAt)));
  }
  await ctx.db.insert(paymentInstalments).values(
    planned.map((i) => ({ tenantId: deal.tenantId, dealId: deal.id, ...i, createdById: ctx.actor.userId || null, createdAt: ctx.now })),
  );
  await recordAudit(ctx, {
    action: before.length > 0 ? 'payment.plan.replace' : 'payment.plan',
    entityType: 'deal',
    entityId: deal.id,
    ...(before.length > 0 ? { before: { instalments: before } } : {}),
    after: { instalments: planned, receivedFen: received },
  });
  return { status: collectionStatus(planned, received, owed, today), replaced: before.length > 0, unchanged: false };
}

export interface ReceiptInput {
  amountFen: number;
  /** Local day the money arrived (YYYY-MM-DD); today or earlier. */
  receivedOn: string;
  note?: string;
  /** Idempotency key (the chat message's platform:eventKey, or an import row's); defaults to the message's. */
  sourceKey?: string;
}

/**
 * /回款: money received on a won deal, by finance or its owner; more than is still owed is refused. The same
 * message (or import row) twice records it once: the receipt's source key is unique.
 */
export async function recordPayment(
  ctx: Ctx,
  dealRef: Deal,
  input: ReceiptInput,
): Promise<{ status: CollectionStatus; duplicate: boolean }> {
  assertMayRecordPayment(ctx, dealRef.ownerId, `商机 ${dealShortId(dealRef)}`);
  assertAmount(input.amountFen, '回款金额');
  const note = input.note?.trim() || null;
  assertFieldFits('note', note ?? undefined);
  const today = formatDay(ctx.now, ctx.timeZone);
  if (input.receivedOn > today) throw new DomainError('INVALID_INPUT', `回款日期 ${input.receivedOn} 还没到；请写今天或之前收到款的日期。`);
  const deal = await lockDeal(ctx.db, dealRef.id);
  const owed = owedOn(deal);
  const plan = await currentPlan(ctx.db, deal.id);
  const received = await receivedTotal(ctx.db, deal.id);
  const total = plan.length > 0 ? plan.reduce((a, i) => a + i.amountFen, 0) : owed;
  const sourceKey = input.sourceKey ?? (ctx.via ? `${ctx.via.platform}:${ctx.via.eventKey}` : null);
  if (sourceKey) {
    const [seen] = await ctx.db.select({ id: paymentReceipts.id }).from(paymentReceipts).where(eq(paymentReceipts.sourceKey, sourceKey));
    if (seen) return { status: collectionStatus(plan, received, owed, today), duplicate: true };
  }
  if (received + input.amountFen > total) {
    const left = Math.max(0, total - received);
    throw new DomainError(
      'INVALID_INPUT',
      left === 0
        ? `商机 ${dealShortId(deal)} 的 ${formatFen(total)} 已经全部回款，不能再登记。`
        : `回款 ${formatFen(input.amountFen)} 超过了未回款的 ${formatFen(left)}（合同 ${formatFen(total)}，已回款 ${formatFen(received)}）。请核对金额。`,
    );
  }
  const [row] = await ctx.db
    .insert(paymentReceipts)
    .values({ tenantId: deal.tenantId, dealId: deal.id, amountFen: input.amountFen, receivedOn: input.receivedOn, note, recordedById: ctx.actor.userId || null, sourceKey, createdAt: ctx.now })
    .returning();
  await recordAudit(ctx, { action: 'payment.receive', entityType: 'deal', entityId: deal.id, after: { receiptId: row!.id, amountFen: input.amountFen, receivedOn: input.receivedOn, note } });
  const status = collectionStatus(plan, received + input.amountFen, owed, today);
  // The owner hears of money someone else recorded (not of an import's rows: systemCtx has no user).
  if (ctx.actor.userId && deal.ownerId !== ctx.actor.userId) {
    await notifyUser(ctx.db, deal.tenantId, deal.ownerId, {
      type: 'text',
      text: `💰 ${ctx.actor.name} 登记了 ${dealShortId(deal)}「${deal.title}」的回款 ${formatFen(input.amountFen)}（${input.receivedOn}）。已回款 ${formatFen(status.receivedFen)}，未回款 ${formatFen(status.outstandingFen)}。`,
    });
  }
  return { status, duplicate: false };
}

/** Each won deal's collection status (plan, received, outstanding, overdue) as of `now`; deals without any are left out. */
export async function collectionOfDeals(db: DbOrTx, list: ReadonlyArray<Pick<Deal, 'id' | 'stage' | 'amountFen'>>, now: Date, tz: string): Promise<Map<string, CollectionStatus>> {
  const won = list.filter((d) => d.stage === 'won');
  const out = new Map<string, CollectionStatus>();
  if (won.length === 0) return out;
  const ids = won.map((d) => d.id);
  const plans = await db
    .select({ dealId: paymentInstalments.dealId, seq: paymentInstalments.seq, dueOn: paymentInstalments.dueOn, amountFen: paymentInstalments.amountFen })
    .from(paymentInstalments)
    .where(and(inArray(paymentInstalments.dealId, ids), isNull(paymentInstalments.replacedAt)));
  const received = await db
    .select({ dealId: paymentReceipts.dealId, fen: sql<string>`sum(${paymentReceipts.amountFen})::text` })
    .from(paymentReceipts)
    .where(inArray(paymentReceipts.dealId, ids))
    .groupBy(paymentReceipts.dealId);
  const today = formatDay(now, tz);
  for (const d of won) {
    const plan = plans.filter((p) => p.dealId === d.id);
    const got = Number(received.find((r) => r.dealId === d.id)?.fen ?? 0);
    if (plan.length === 0 && got === 0) continue;
    out.set(d.id, collectionStatus(plan, got, d.amountFen ?? 0, today));
  }
  return out;
}

/** The month's collection against plan per group: instalments due in [from, to) and money received in it (local days). */
export async function collectionByGroup(
  db: DbOrTx,
  tenantId: string,
  /** A subquery `(select id, grp …)` of deal owners tagged with their group, as funnelByGroup takes. */
  members: ReturnType<typeof sql>,
  from: string,
  to: string,
): Promise<Map<string, { plannedFen: number; receivedFen: number }>> {
  const planned = await queryRows<{ grp: string; fen: string }>(
    db,
    sql`select m.grp, sum(i.amount_fen)::text as fen from payment_instalments i join deals d on d.id = i.deal_id join ${members} m on m.id = d.owner_id
        where i.tenant_id = ${tenantId} and i.replaced_at is null and i.due_on >= ${from}::date and i.due_on < ${to}::date group by m.grp`,
  );
  const received = await queryRows<{ grp: string; fen: string }>(
    db,
    sql`select m.grp, sum(r.amount_fen)::text as fen from payment_receipts r join deals d on d.id = r.deal_id join ${members} m on m.id = d.owner_id
        where r.tenant_id = ${tenantId} and r.received_on >= ${from}::date and r.received_on < ${to}::date group by m.grp`,
  );
  const out = new Map<string, { plannedFen: number; receivedFen: number }>();
  for (const r of planned) out.set(r.grp, { plannedFen: Number(r.fen), receivedFen: 0 });
  for (const r of received) out.set(r.grp, { plannedFen: out.get(r.grp)?.plannedFen ?? 0, receivedFen: Number(r.fen) });
  return out;
}

/** How many receipts of this deal already have this day, amount and note (an import's rows are matched by content). */
export async function countMatchingReceipts(db: DbOrTx, dealId: string, r: { receivedOn: string; amountFen: number; note: string | null }): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(paymentReceipts)
    .where(
      and(
        eq(paymentReceipts.dealId, dealId),
        eq(paymentReceipts.receivedOn, r.receivedOn),
        eq(paymentReceipts.amountFen, r.amountFen),
        r.note === null ? isNull(paymentReceipts.note) : eq(paymentReceipts.note, r.note),
      ),
    );
  return Number(row?.n ?? 0);
}
