// Quotes (报价) on deals; each one goes through an approval request.
import { index, integer, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, fen, id, tenantId, ts } from './columns.js';
import { quoteStatus } from './enums.js';
import { deals } from './deals.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

export const quotes = pgTable(
  'quotes',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    shortNo: integer('short_no').notNull(),
    dealId: uuid('deal_id')
      .notNull()
      .references(() => deals.id),
    amountFen: fen('amount_fen').notNull(),
    /** Discount in basis points (800 = 8%). */
    discountBp: integer('discount_bp').notNull().default(0),
    note: text('note'),
    status: quoteStatus('status').notNull().default('pending'),
    createdById: uuid('created_by_id')
      .notNull()
      .references(() => users.id),
    decidedAt: ts('decided_at'),
    createdAt: createdAt(),
  },
  (t) => [unique('quotes_tenant_short_no').on(t.tenantId, t.shortNo), index('quotes_deal').on(t.dealId)],
);
