// Payment collection (回款) on won deals: the plan's instalments, the money received, and sales targets per month.
import { sql } from 'drizzle-orm';
import { date, index, integer, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, fen, id, tenantId, ts } from './columns.js';
import { deals } from './deals.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

/**
 * One instalment of a deal's collection plan (回款计划). Replacing a plan marks the old rows `replaced_at` and adds
 * new ones; receipts are not tied to instalments, so money already received stays received.
 */
export const paymentInstalments = pgTable(
  'payment_instalments',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    dealId: uuid('deal_id')
      .notNull()
      .references(() => deals.id),
    /** 1, 2, 3 … in due order; received money is applied to the instalments in this order. */
    seq: integer('seq').notNull(),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    amountFen: fen('amount_fen').notNull(),
    createdById: uuid('created_by_id').references(() => users.id),
    createdAt: createdAt(),
    /** Null while this instalment belongs to the deal's current plan. */
    replacedAt: ts('replaced_at'),
  },
  (t) => [
    index('payment_instalments_deal').on(t.dealId, t.seq),
    // The reminder scan reads current instalments by due date.
    index('payment_instalments_current_due')
      .on(t.tenantId, t.dueOn)
      .where(sql`${t.replacedAt} is null`),
  ],
);

/** Money received on a won deal (回款), recorded by finance or the deal's owner. */
export const paymentReceipts = pgTable(
  'payment_receipts',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    dealId: uuid('deal_id')
      .notNull()
      .references(() => deals.id),
    amountFen: fen('amount_fen').notNull(),
    receivedOn: date('received_on', { mode: 'string' }).notNull(),
    note: text('note'),
    recordedById: uuid('recorded_by_id').references(() => users.id),
    /** Idempotency key of the chat message (platform:eventKey) or import row that recorded it. */
    sourceKey: text('source_key'),
    createdAt: createdAt(),
  },
  (t) => [
    index('payment_receipts_deal').on(t.dealId),
    index('payment_receipts_tenant_received').on(t.tenantId, t.receivedOn),
    uniqueIndex('payment_receipts_source_key').on(t.sourceKey),
  ],
);

/** A monthly sales target (业绩目标) of one rep or one team. */
export const salesTargets = pgTable(
  'sales_targets',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    /** 'user' or 'team'. */
    subjectKind: text('subject_kind').notNull(),
    subjectId: uuid('subject_id').notNull(),
    /** `2026-12`. */
    month: text('month').notNull(),
    amountFen: fen('amount_fen').notNull(),
    setById: uuid('set_by_id').references(() => users.id),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [unique('sales_targets_subject_month').on(t.tenantId, t.subjectKind, t.subjectId, t.month)],
);
