// /合并: fold a duplicate customer into the one kept. Deals (and with them their quotes), follow-ups, contacts
// and tags move in one transaction; the merged row stays, marked, for the audit trail and its C-n's answer.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { contacts, customers, deals, followUps, quotes } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { parseShortId } from './counters.js';
import { type Customer, customerShortId } from './customers.js';
import { visibleOwnerIds } from './visibility.js';

export interface MergeResult {
  merged: Customer;
  kept: Customer;
  moved: { deals: number; quotes: number; followUps: number; contacts: number; tags: number };
  /** Fields the kept customer lacked and took from the merged one (电话, 地区 …). */
  filled: string[];
}

const MERGERS = new Set(['manager', 'director', 'admin']);
const FILLABLE = [
  ['phone', '电话'],
  ['region', '地区'],
  ['industry', '行业'],
  ['grade', '等级'],
  ['sourceChannel', '来源'],
] as const;

export async function mergeCustomers(ctx: Ctx, mergedRef: string, keptRef: string): Promise<MergeResult> {
  if (!MERGERS.has(ctx.actor.role)) throw new DomainError('NOT_ALLOWED', '只有销售经理或管理员可以合并客户。请把两个编号发给你的经理。');
  const from = await customerByRef(ctx, mergedRef);
  const into = await customerByRef(ctx, keptRef);
  if (from.id === into.id) throw new DomainError('INVALID_INPUT', `不能把 ${customerShortId(from)} 合并到它自己。`);
  const owners = await visibleOwnerIds(ctx);
  for (const c of [from, into]) {
    if (owners !== null && c.ownerId !== null && !owners.includes(c.ownerId)) {
      throw new DomainError('NOT_ALLOWED', `${customerShortId(c)} 不属于你或你的下属，无法合并。请联系它的负责人的经理。`);
    }
  }

  return ctx.db.transaction(async (tx) => {
    const movedDeals = await tx
      .update(deals)
      .set({ customerId: into.id, updatedAt: ctx.now })
      .where(eq(deals.customerId, from.id))
      .returning({ id: deals.id });
    const dealIds = movedDeals.map((d) => d.id);
    const quoteCount = dealIds.length
      ? (await tx.select({ n: sql<number>`count(*)::int` }).from(quotes).where(inArray(quotes.dealId, dealIds)))[0]!.n
      : 0;
    const movedFollowUps = await tx.update(followUps).set({ customerId: into.id }).where(eq(followUps.customerId, from.id)).returning({ id: followUps.id });
    const movedContacts = await tx.update(contacts).set({ customerId: into.id }).where(eq(contacts.customerId, from.id)).returning({ id: contacts.id });
    const newTags = from.tags.filter((t) => !into.tags.includes(t));
    const filled = FILLABLE.filter(([k]) => into[k] === null && from[k] !== null);

    const [merged] = await tx
      .update(customers)
      // The phone is unique per tenant: it moves to the kept customer when that one has none.
      .set({ mergedIntoId: into.id, mergedAt: ctx.now, updatedAt: ctx.now, ...(filled.some(([k]) => k === 'phone') ? { phoneNormalised: null } : {}) })
      .where(and(eq(customers.id, from.id), eq(customers.tenantId, ctx.actor.tenantId)))
      .returning();
    const fill = Object.fromEntries(filled.map(([k]) => [k, from[k]]));
    const lastActivityAt =
      from.lastActivityAt && (!into.lastActivityAt || from.lastActivityAt > into.lastActivityAt) ? from.lastActivityAt : into.lastActivityAt;
    const [kept] = await tx
      .update(customers)
      .set({
        ...fill,
        ...(fill.phone ? { phoneNormalised: from.phoneNormalised } : {}),
        tags: [...into.tags, ...newTags],
        lastActivityAt,
        updatedAt: ctx.now,
      })
      .where(eq(customers.id, into.id))
      .returning();

    const moved = { deals: dealIds.length, quotes: quoteCount, followUps: movedFollowUps.length, contacts: movedContacts.length, tags: newTags.length };
    const trail = {
      into: customerShortId(into),
      dealIds,
      followUpIds: movedFollowUps.map((f) => f.id),
      contactIds: movedContacts.map((c) => c.id),
      tags: newTags,
      filled: filled.map(([k]) => k),
    };
    await recordAudit(ctx, { action: 'customer.merge', entityType: 'customer', entityId: from.id, before: from, after: { ...merged, moved: trail } }, tx);
    await recordAudit(ctx, { action: 'customer.merge_into', entityType: 'customer', entityId: into.id, before: into, after: { ...kept, from: customerShortId(from), moved } }, tx);
    return { merged: merged!, kept: kept!, moved, filled: filled.map(([, label]) => label) };
  });
}

/** Merging is only by customer number (C-5): a fuzzy name is too easy to get wrong for a change this large. */
async function customerByRef(ctx: Ctx, ref: string): Promise<Customer> {
  const no = parseShortId(ref, 'customer');
  if (no === undefined) throw new DomainError('INVALID_INPUT', `合并请用客户编号（如 C-5），「${ref}」不是客户编号。`);
  const [c] = await ctx.db
    .select()
    .from(customers)
    .where(and(eq(customers.tenantId, ctx.actor.tenantId), eq(customers.shortNo, no)));
  if (!c) throw new DomainError('NOT_FOUND', `没有找到客户 ${ref}。`);
  if (c.mergedIntoId) {
    const [to] = await ctx.db.select().from(customers).where(eq(customers.id, c.mergedIntoId));
    throw new DomainError('MERGED', `${customerShortId(c)} 已合并到 ${to ? customerShortId(to) : '另一个客户'}。`);
  }
  return c;
}
