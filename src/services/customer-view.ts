// The 360° view of a customer: contacts, open deals with stage and age, last 5 follow-ups, quotes, latest changes.
import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import { contacts, deals, followUps, quotes, users } from '../db/schema/index.js';
import type { StageLabels } from '../domain/stages.js';
import { openTasks } from './after-win.js';
import { recentChanges } from './change-log.js';
import type { Ctx } from './context.js';
import type { Customer } from './customers.js';
import { dueOfDeals } from './due.js';
import { POOL_OWNER_NAME } from './customers.js';
import { awaitingMyDecision, seesCustomerRecords, visibleOwnerIds } from './visibility.js';

export async function customerView(ctx: Ctx, customer: Customer, labels: StageLabels) {
  // An approver who sees this customer only through a request waiting for them sees only that request's deals.
  const owners = await visibleOwnerIds(ctx);
  const onlyDeals = seesCustomerRecords(owners, customer.ownerId) ? undefined : (await awaitingMyDecision(ctx)).dealIds;
  const [owner] = customer.ownerId ? await ctx.db.select({ name: users.name }).from(users).where(eq(users.id, customer.ownerId)) : [];
  const contactRows = await ctx.db.select().from(contacts).where(eq(contacts.customerId, customer.id)).orderBy(asc(contacts.createdAt)).limit(10);
  const dealRows = await ctx.db
    .select()
    .from(deals)
    .where(and(eq(deals.customerId, customer.id), onlyDeals ? inArray(deals.id, onlyDeals) : undefined))
    .orderBy(desc(deals.updatedAt))
    .limit(10);
  const recent = await ctx.db
    .select({ f: followUps, author: users.name })
    .from(followUps)
    .innerJoin(users, eq(users.id, followUps.authorId))
    .where(and(eq(followUps.customerId, customer.id), isNull(followUps.undoneAt), onlyDeals ? inArray(followUps.dealId, onlyDeals) : undefined))
    .orderBy(desc(followUps.createdAt))
    .limit(5);
  const quoteRows = await ctx.db
    .select({ q: quotes, dealShortNo: deals.shortNo })
    .from(quotes)
    .innerJoin(deals, eq(deals.id, quotes.dealId))
    .where(and(eq(deals.customerId, customer.id), onlyDeals ? inArray(deals.id, onlyDeals) : undefined))
    .orderBy(desc(quotes.createdAt))
    .limit(5);
  const due = await dueOfDeals(ctx.db, customer.tenantId, dealRows);
  return {
    customer,
    ownerName: customer.ownerId === null ? POOL_OWNER_NAME : (owner?.name ?? '?'),
    contacts: contactRows,
    deals: dealRows,
    /** Open deals' follow-up due time and reason (src/domain/due.ts). */
    due,
    followUps: recent.map((r) => ({ ...r.f, authorName: r.author })),
    quotes: quoteRows.map((r) => ({ ...r.q, dealShortNo: r.dealShortNo })),
    changes: await recentChanges(ctx, customer.id, labels),
    /** Open 回访 tasks (src/services/after-win.ts). */
    tasks: seesCustomerRecords(owners, customer.ownerId) ? await openTasks(ctx.db, customer.id) : [],
  };
}
