// 离职交接 (handover): a manager moves a leaver's customers into a pool and deactivates the leaver; the receiver
// confirms, and the pool (customers, their deals, open to-dos) becomes theirs in one transaction. Follow-ups keep
// their author. The daily reminder while a handover waits is src/scheduler/handover-reminders.ts.
import { and, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Card } from '../../cards/model.js';
import { approvalRequests, customers, deals, handovers, users } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { seesAll } from '../domain/roles.js';
import { notifyUser } from '../outbox/enqueue.js';
import { moveStepsOfLeaver } from './approvals.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { getUser, reportIds, type User } from './users.js';
import { updateCardCopies } from './card-copies.js';
import { countOpenDeals, type Handover, handoverCard, handoverNo } from './handover-view.js';

export { type Handover, handoverNo };


/** After this many days a pending handover is reported as overdue. */
export const HANDOVER_TRANSITION_DAYS = 30;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;


/** Leaver's manager (direct or above), or a director/admin. */
export async function mayHandOver(ctx: Ctx, leaver: User): Promise<boolean> {
  if (seesAll(ctx.actor.role)) return true;
  if (leaver.managerId === ctx.actor.userId) return true;
  if (ctx.actor.role === 'manager') return (await reportIds(ctx.db, ctx.actor.userId)).includes(leaver.id);
  return false;
}

export interface StartResult {
  handover: Handover;
  customerCount: number;
  openDealCount: number;
}

/** Creates the pending handover, pools the leaver's customers, deactivates the leaver and sends the receiver the card. */
export async function startHandover(ctx: Ctx, leaver: User, receiver: User): Promise<StartResult> {
  const tenantId = ctx.actor.tenantId;
  if (leaver.tenantId !== tenantId || receiver.tenantId !== tenantId) throw new DomainError('NOT_FOUND', '没有找到这个人。');
  if (!(await mayHandOver(ctx, leaver))) {
    throw new DomainError('NOT_ALLOWED', `只有 ${leaver.name} 的上级经理、销售总监或管理员可以发起离职交接。如需交接，请联系你的经理。`);
  }
  if (leaver.id === ctx.actor.userId) throw new DomainError('INVALID_INPUT', '不能给自己办理离职交接，请让你的上级或管理员发起。');
  if (leaver.id === receiver.id) throw new DomainError('INVALID_INPUT', '离职人和接手人不能是同一个人，请换一位接手人。');
  if (!receiver.active) throw new DomainError('INVALID_INPUT', `接手人 ${receiver.name} 的账号已停用，请换一位在职的同事。`);

  return ctx.db.transaction(async (tx) => {
    // Lock the leaver: two concurrent /交接 for the same person serialise here and the second sees the first.
    const [locked] = await tx.select().from(users).where(eq(users.id, leaver.id)).for('update');
    if (!locked) throw new DomainError('NOT_FOUND', `没有找到「${leaver.name}」。`);
    const [pending] = await tx
      .select()
      .from(handovers)
      .where(and(eq(handovers.tenantId, tenantId), eq(handovers.fromUserId, leaver.id), eq(handovers.status, 'pending')))
      .limit(1);
    if (pending) {
      const to = await getUser(tx, pending.toUserId);
      throw new DomainError(
        'DUPLICATE',
        `${leaver.name} 的离职交接 ${handoverNo(pending)} 已在进行中（接手人 ${to?.name ?? '未知'}），等待对方接收，无需重复发起。`,
      );
    }
    const [receiving] = await tx
      .select()
      .from(handovers)
      .where(and(eq(handovers.tenantId, tenantId), eq(handovers.toUserId, leaver.id), eq(handovers.status, 'pending')))
      .limit(1);
    if (receiving) {
      throw new DomainError(
        'INVALID_INPUT',
        `${leaver.name} 还有一个待接收的交接 ${handoverNo(receiving)}，请先让其接收，再为其办理离职交接。`,
      );
    }

    const [handover] = await tx
      .insert(handovers)
      .values({ tenantId, fromUserId: leaver.id, toUserId: receiver.id, createdById: ctx.actor.userId, createdAt: ctx.now })
      .returning();
    const h = handover!;
    const pooled = await tx
      .update(customers)
      .set({ handoverId: h.id, updatedAt: ctx.now })
      // Merged customers (/合并) live on in the kept one; they are not handed over or counted.
      .where(and(eq(customers.tenantId, tenantId), eq(customers.ownerId, leaver.id), isNull(customers.mergedIntoId)))
      .returning({ id: customers.id });
    const openDealCount = await countOpenDeals(tx, tenantId, leaver.id);
    await tx
      .update(users)
      .set({ active: false, deactivatedAt: ctx.now, updatedAt: ctx.now })
      .where(eq(users.id, leaver.id));

    const sub: Ctx = { ...ctx, db: tx };
    await recordAudit(sub, {
      action: 'handover.create',
      entityType: 'handover',
      entityId: h.id,
      after: { ...h, customerIds: pooled.map((c) => c.id), openDealCount },
    });
    await recordAudit(sub, {
      action: 'user.deactivate',
      entityType: 'user',
      entityId: leaver.id,
      before: { active: locked.active },
      after: { active: false, reason: 'handover', handoverId: h.id },
    });

    // Their pending approval steps move on now, so no request waits for someone who has left.
    await moveStepsOfLeaver(sub, leaver.id, { receiver, reason: 'handover' });

    const card = await handoverCard(tx, h, ctx.timeZone);
    await notifyUser(tx, tenantId, receiver.id, { type: 'card', card }, {
      recordAs: { subjectKind: 'handover', subjectId: h.id, userId: receiver.id },
      dedupKey: `handover:${h.id}`,
    });
    // The leaver's own manager hears about it when someone else (a director, an admin) started it.
    if (leaver.managerId && leaver.managerId !== ctx.actor.userId && leaver.managerId !== receiver.id) {
      await notifyUser(tx, tenantId, leaver.managerId, {
        type: 'text',
        text: `${ctx.actor.name} 已为 ${leaver.name} 发起离职交接 ${handoverNo(h)}：${pooled.length} 个客户、${openDealCount} 个进行中商机交给 ${receiver.name}，等待对方接收。`,
      });
    }
    return { handover: h, customerCount: pooled.length, openDealCount };
  });
}

/** A handover of this tenant by its full id or its number (H-1A2B3C4D, case-insensitive, the prefix optional). */
export async function findHandover(ctx: Ctx, ref: string): Promise<Handover> {
  const raw = ref.normalize('NFKC').trim().toLowerCase();
  const full = UUID_RE.test(raw);
  const short = /^(?:h\s*[-_]?\s*)?([0-9a-f]{8})$/.exec(raw);
  if (!full && !short) throw new DomainError('INVALID_INPUT', `交接编号应当像 H-1A2B3C4D（收到「${ref}」）。`);
  const rows = await ctx.db
    .select()
    .from(handovers)
    .where(
      and(
        eq(handovers.tenantId, ctx.actor.tenantId),
        full ? eq(handovers.id, raw) : sql`${handovers.id}::text like ${`${short![1]}%`}`,
      ),
    )
    .limit(2);
  if (rows.length === 0) throw new DomainError('NOT_FOUND', `没有找到交接 ${ref.trim()}。`);
  if (rows.length > 1) throw new DomainError('AMBIGUOUS', `交接编号 ${ref.trim()} 不唯一，请点卡片上的「接收」按钮。`);
  return rows[0]!;
}

/** Pending handovers waiting for the actor to receive them. */
export async function pendingForReceiver(ctx: Ctx): Promise<Handover[]> {
  return ctx.db
    .select()
    .from(handovers)
    .where(and(eq(handovers.tenantId, ctx.actor.tenantId), eq(handovers.toUserId, ctx.actor.userId), eq(handovers.status, 'pending')))
    .orderBy(handovers.createdAt);
}

export interface ConfirmResult {
  handover: Handover;
  fromName: string;
  customerCount: number;
  dealCount: number;
  openDealCount: number;
  card: Card;
}

/** The receiver takes over the pool: customers, their deals and open deals, pending approval requests; all or nothing. */
export async function confirmHandover(ctx: Ctx, handoverId: string): Promise<ConfirmResult> {
  if (!UUID_RE.test(handoverId)) throw new DomainError('NOT_FOUND', '没有找到这个交接。');
  return ctx.db.transaction(async (tx) => {
    const [h] = await tx.select().from(handovers).where(eq(handovers.id, handoverId)).for('update');
    if (!h || h.tenantId !== ctx.actor.tenantId) throw new DomainError('NOT_FOUND', '没有找到这个交接。');
    const no = handoverNo(h);
    if (h.toUserId !== ctx.actor.userId) {
      throw new DomainError('NOT_ALLOWED', `交接 ${no} 不是交给你的，只有接手人本人可以接收。`);
    }
    if (h.status === 'confirmed') throw new DomainError('ALREADY_DECIDED', `交接 ${no} 已经接收过了，客户都在你名下，无需重复操作。`);
    if (h.status !== 'pending') throw new DomainError('ALREADY_CLOSED', `交接 ${no} 已取消，无需接收。`);
    const from = await getUser(tx, h.fromUserId);

    const moved = await tx
      .update(customers)
      .set({ ownerId: h.toUserId, handoverId: null, updatedAt: ctx.now })
      .where(and(eq(customers.tenantId, h.tenantId), eq(customers.handoverId, h.id)))
      .returning({ id: customers.id });
    const customerIds = moved.map((c) => c.id);
    // Every deal of the pooled customers the leaver owned, and the leaver's open deals anywhere (no orphans).
    const movedDeals = await tx
      .update(deals)
      .set({ ownerId: h.toUserId, updatedAt: ctx.now })
      .where(
        and(
          eq(deals.tenantId, h.tenantId),
          eq(deals.ownerId, h.fromUserId),
          customerIds.length > 0 ? or(inArray(deals.customerId, customerIds), isNull(deals.closedAt)) : isNull(deals.closedAt),
        ),
      )
      .returning({ id: deals.id, closedAt: deals.closedAt });
    const openDealCount = movedDeals.filter((d) => d.closedAt === null).length;
    // Quotes still waiting for approval: the decision goes to the receiver, who now owns the deal.
    const movedRequests = await tx
      .update(approvalRequests)
      .set({ requesterId: h.toUserId })
      .where(
        and(eq(approvalRequests.tenantId, h.tenantId), eq(approvalRequests.requesterId, h.fromUserId), eq(approvalRequests.status, 'pending')),
      )
      .returning({ id: approvalRequests.id });
    const [confirmed] = await tx
      .update(handovers)
      .set({ status: 'confirmed', confirmedAt: ctx.now })
      .where(and(eq(handovers.id, h.id), eq(handovers.status, 'pending')))
      .returning();
    const sub: Ctx = { ...ctx, db: tx };
    await recordAudit(sub, {
      action: 'handover.confirm',
      entityType: 'handover',
      entityId: h.id,
      before: { status: h.status },
      after: {
        status: 'confirmed',
        fromUserId: h.fromUserId,
        toUserId: h.toUserId,
        customerCount: customerIds.length,
        dealCount: movedDeals.length,
        openDealCount,
        customerIds,
        dealIds: movedDeals.map((d) => d.id),
        approvalRequestIds: movedRequests.map((r) => r.id),
      },
    });

    const card = await handoverCard(tx, confirmed!, ctx.timeZone);
    const text =
      `✅ ${ctx.actor.name} 已接收 ${from?.name ?? '离职人'} 的离职交接 ${no}：` +
      `${customerIds.length} 个客户、${movedDeals.length} 个商机（其中 ${openDealCount} 个进行中）已转入其名下。`;
    for (const to of new Set([h.createdById, from?.managerId ?? h.createdById])) {
      if (to !== ctx.actor.userId) await notifyUser(tx, h.tenantId, to, { type: 'text', text }, { dedupKey: `handover-done:${h.id}:${to}` });
    }
    // Other copies of the receiver's card (other platforms) show the final state.
    await updateCardCopies(tx, {
      tenantId: h.tenantId,
      actorUserId: ctx.actor.userId,
      subject: { kind: 'handover', id: h.id },
      card,
      dedupKey: (copy) => `handover-final:${copy}`,
    });
    return {
      handover: confirmed!,
      fromName: from?.name ?? '离职人',
      customerCount: customerIds.length,
      dealCount: movedDeals.length,
      openDealCount,
      card,
    };
  });
}
