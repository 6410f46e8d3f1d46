// Deals, their stage history (one row per stint in a stage), and per-tenant short-id counters.
import { sql } from 'drizzle-orm';
import { date, index, integer, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, fen, id, tenantId, ts, updatedAt } from './columns.js';
import { dealStage } from './enums.js';
import { customers } from './customers.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

export const deals = pgTable(
  'deals',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    /** Short human number per tenant: D-17. */
    shortNo: integer('short_no').notNull(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    title: text('title').notNull(),
    amountFen: fen('amount_fen'),
    currency: text('currency').notNull().default('CNY'),
    stage: dealStage('stage').notNull().default('lead'),
    /** Win probability in percent, defaulted from the stage. */
    probability: integer('probability').notNull().default(10),
    expectedCloseOn: date('expected_close_on', { mode: 'string' }),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    productLine: text('product_line'),
    stageEnteredAt: ts('stage_entered_at').notNull().defaultNow(),
    /** Last follow-up (or creation); with next_due_at it decides when the deal is due (src/domain/due.ts). */
    lastActivityAt: ts('last_activity_at').notNull().defaultNow(),
    /** When the next follow-up is due (from the latest follow-up's 下次). */
    nextDueAt: ts('next_due_at'),
    closedAt: ts('closed_at'),
    lostReason: text('lost_reason'),
    /** 成交原因, asked when the deal is won (/推进 … 签约 原因:…, or later /修改 D-n 成交原因 …). */
    wonReason: text('won_reason'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('deals_tenant_short_no').on(t.tenantId, t.shortNo),
    index('deals_tenant_owner').on(t.tenantId, t.ownerId),
    index('deals_customer').on(t.customerId),
    // The daily digest selects a team's deals by owner (owner_id in the team's members), across tenants' rows.
    index('deals_owner').on(t.ownerId),
    // Partial indexes so the scheduler's scans touch only open deals, ordered by the clock they test.
    index('deals_open_last_activity')
      .on(t.lastActivityAt)
      .where(sql`${t.closedAt} is null`),
    index('deals_open_stage_entered')
      .on(t.stageEnteredAt)
      .where(sql`${t.closedAt} is null`),
  ],
);

export const stageHistory = pgTable(
  'stage_history',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    dealId: uuid('deal_id')
      .notNull()
      .references(() => deals.id),
    stage: dealStage('stage').notNull(),
    enteredAt: ts('entered_at').notNull(),
    /** Null while the deal is still in this stage. */
    leftAt: ts('left_at'),
    actorId: uuid('actor_id').references(() => users.id),
  },
  (t) => [index('stage_history_deal').on(t.dealId, t.enteredAt), index('stage_history_tenant_entered').on(t.tenantId, t.enteredAt)],
);

/** Next short number per (tenant, kind): customer C-, deal D-, approval A-, quote Q-. */
export const counters = pgTable(
  'counters',
  {
    tenantId: tenantId().references(() => tenants.id),
    kind: text('kind').notNull(),
    last: integer('last').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.kind] })],
);
