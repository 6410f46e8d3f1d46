// Which of the sender's own records a plain sentence names: one D- number, or exactly one of their customers'
// names inside the sentence (then that customer's one open deal, when it has exactly one).
import { and, eq, isNull, sql } from 'drizzle-orm';
import { customers, deals } from '../db/schema/index.js';
import { normaliseCompanyName } from '../domain/names.js';
import type { Ctx } from './context.js';
import { parseShortId } from './counters.js';
import type { Customer } from './customers.js';
import { type Deal, onlyOpenDeal } from './deals.js';

/** Undefined when the sentence names none or more than one. */
export async function recordNamedIn(ctx: Ctx, input: string): Promise<{ customer: Customer; deal?: Deal } | undefined> {
  const mine = and(eq(deals.tenantId, ctx.actor.tenantId), eq(deals.ownerId, ctx.actor.userId));
  const ids = [...input.normalize('NFKC').matchAll(/\bD\s*-\s*(\d{1,9})\b/gi)].map((m) => parseShortId(`D-${m[1]}`, 'deal'));
  if (ids.length === 1) {
    const [row] = await ctx.db
      .select({ d: deals, c: customers })
      .from(deals)
      .innerJoin(customers, eq(customers.id, deals.customerId))
      .where(and(mine, eq(deals.shortNo, ids[0]!)));
    return row ? { deal: row.d, customer: row.c } : undefined;
  }
  if (ids.length > 1) return undefined;
  const key = normaliseCompanyName(input);
  if (key.length < 2) return undefined;
  const named = await ctx.db
    .select()
    .from(customers)
    .where(
      and(
        eq(customers.tenantId, ctx.actor.tenantId),
        eq(customers.ownerId, ctx.actor.userId),
        isNull(customers.mergedIntoId),
        sql`length(${customers.normalisedName}) >= 2 and position(${customers.normalisedName} in ${key}) > 0`,
      ),
    )
    .limit(2);
  if (named.length !== 1) return undefined;
  const customer = named[0]!;
  const deal = await onlyOpenDeal(ctx, customer.id);
  return deal ? { customer, deal } : { customer };
}
