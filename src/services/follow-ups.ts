// Follow-ups (跟进): log on a deal or customer, keep the deal's activity clock, undo the last one (/撤销).
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { deals, followUps } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { assertFieldFits } from '../domain/text-gate.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import type { Customer } from './customers.js';
import { touchCustomerOnFollowUp } from './after-win.js';
import type { Deal } from './deals.js';
import { assertMayChange } from './visibility.js';

export type FollowUp = typeof followUps.$inferSelect;
export type FollowUpKind = FollowUp['kind'];

export const FOLLOW_UP_LABELS: Record<FollowUpKind, string> = {
  visit: '拜访',
  call: '电话',
  wechat: '微信',
  email: '邮件',
  sample: '样品',
  other: '其他',
};

/** Undo is offered for this long after logging. */
export const UNDO_WINDOW_MS = 24 * 3600_000;

export interface FollowUpInput {
  kind: FollowUpKind;
  summary: string;
  nextStep?: string;
  nextDueAt?: Date;
}

export async function logFollowUp(
  ctx: Ctx,
  target: { customer: Customer; deal?: Deal },
  input: FollowUpInput,
): Promise<FollowUp> {
  const { customer, deal } = target;
  await assertMayChange(ctx, deal?.ownerId ?? customer.ownerId, deal ? '这个商机' : `客户「${customer.name}」`);
  const summary = input.summary.trim();
  if (!summary) throw new DomainError('INVALID_INPUT', '请写上跟进内容，例如：/跟进 D-17 上门拜访，客户要样品 下一步:寄样');
  assertFieldFits('followUp', summary);
  assertFieldFits('nextStep', input.nextStep?.trim());
  const [row] = await ctx.db
    .insert(followUps)
    .values({
      tenantId: ctx.actor.tenantId,
      customerId: customer.id,
      dealId: deal?.id ?? null,
      kind: input.kind,
      summary,
      nextStep: input.nextStep?.trim() || null,
      nextDueAt: input.nextDueAt ?? null,
      authorId: ctx.actor.userId,
      sourceEventKey: ctx.via ? `${ctx.via.platform}:${ctx.via.eventKey}` : null,
      createdAt: ctx.now,
    })
    .returning();
  // Three writes that need nothing from each other, sent together: postgres.js pipelines them on the
  // transaction's connection (one round trip instead of three). The deal is still updated before the customer
  // (the lock order stays as it was); the audit insert locks nothing and may go first. One failing fails the
  // whole, as before. PGlite runs them one after another.
  await Promise.all([
    deal
      ? ctx.db
          .update(deals)
          .set({ lastActivityAt: ctx.now, nextDueAt: input.nextDueAt ?? null, updatedAt: ctx.now })
          .where(eq(deals.id, deal.id))
      : undefined,
    touchCustomerOnFollowUp(ctx, customer.id),
    recordAudit(ctx, { action: 'follow_up.log', entityType: 'follow_up', entityId: row!.id, after: row }),
  ]);
  return row!;
}

/** Undoes the actor's most recent follow-up (within the undo window) and restores the deal's activity clock and agreed date. */
export async function undoLastFollowUp(ctx: Ctx): Promise<FollowUp> {
  const [last] = await ctx.db
    .select()
    .from(followUps)
    .where(
      and(
        eq(followUps.tenantId, ctx.actor.tenantId),
        eq(followUps.authorId, ctx.actor.userId),
        isNull(followUps.undoneAt),
      ),
    )
    .orderBy(desc(followUps.createdAt))
    .limit(1);
  if (!last || ctx.now.getTime() - last.createdAt.getTime() > UNDO_WINDOW_MS) {
    throw new DomainError('NOT_FOUND', '没有可以撤销的跟进记录（只能撤销 24 小时内你自己记录的最后一条）。');
  }
  await ctx.db.update(followUps).set({ undoneAt: ctx.now }).where(eq(followUps.id, last.id));
  if (last.dealId) {
    await ctx.db
      .update(deals)
      .set({
        lastActivityAt: sql`coalesce((select max(created_at) from follow_ups where deal_id = ${last.dealId} and undone_at is null), ${deals.createdAt})`,
        // The agreed date goes back to the one the deal's latest remaining follow-up set (none → none), so an undone
        // "下次 12-08" stops deciding when the owner is reminded.
        nextDueAt: sql`(select next_due_at from follow_ups where deal_id = ${last.dealId} and undone_at is null order by created_at desc, id desc limit 1)`,
        updatedAt: ctx.now,
      })
      .where(eq(deals.id, last.dealId));
  }
  await recordAudit(ctx, { action: 'follow_up.undo', entityType: 'follow_up', entityId: last.id, before: last });
  return last;
}

/** Guesses the kind from the text (拜访/电话/微信/邮件/样品). */
export function guessFollowUpKind(text: string): FollowUpKind {
  if (/拜访|上门|面谈|到访|visit/i.test(text)) return 'visit';
  if (/电话|通话|打给|致电|call|phone/i.test(text)) return 'call';
  if (/微信|wechat/i.test(text)) return 'wechat';
  if (/邮件|email|mail/i.test(text)) return 'email';
  if (/样品|送样|寄样|试样|打样|sample/i.test(text)) return 'sample';
  return 'other';
}
