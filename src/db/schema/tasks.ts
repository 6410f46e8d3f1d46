// Tasks the system sets for a rep (回访 after a win): due at a time, reminded once, done by a follow-up.
import { index, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, ts } from './columns.js';
import { taskKind } from './enums.js';
import { customers } from './customers.js';
import { deals } from './deals.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

export const tasks = pgTable(
  'tasks',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    kind: taskKind('kind').notNull(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    /** The deal it came from (the won deal of a 回访); one task per (deal, kind), so a repeated win changes nothing. */
    dealId: uuid('deal_id').references(() => deals.id),
    title: text('title').notNull(),
    dueAt: ts('due_at').notNull(),
    remindedAt: ts('reminded_at'),
    /** Set by the first follow-up on the customer once the task is due (or within a day of it). */
    doneAt: ts('done_at'),
    createdAt: createdAt(),
  },
  (t) => [unique('tasks_deal_kind').on(t.dealId, t.kind), index('tasks_open_due').on(t.tenantId, t.dueAt)],
);
