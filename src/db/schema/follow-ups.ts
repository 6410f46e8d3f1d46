// Follow-ups (跟进记录): what happened, the next step, when it is due, and the chat message it came from.
import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, ts } from './columns.js';
import { followUpKind } from './enums.js';
import { customers } from './customers.js';
import { deals } from './deals.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

export const followUps = pgTable(
  'follow_ups',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    dealId: uuid('deal_id').references(() => deals.id),
    kind: followUpKind('kind').notNull().default('other'),
    summary: text('summary').notNull(),
    /** 需求 / 下一步: satisfies the exit criterion of 初访. */
    nextStep: text('next_step'),
    nextDueAt: ts('next_due_at'),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    /** Idempotency key of the chat message that logged it (platform:eventKey). */
    sourceEventKey: text('source_event_key'),
    /** Set by /撤销; undone follow-ups count for nothing. */
    undoneAt: ts('undone_at'),
    createdAt: createdAt(),
  },
  (t) => [index('follow_ups_deal').on(t.dealId, t.createdAt), index('follow_ups_customer').on(t.customerId, t.createdAt)],
);

/**
 * A voice note's follow-up waiting for its speaker's 确认 (speech recognition mishears): what was heard and what
 * would be recorded. Written once when 确认 is pressed (`pending` → `recorded`, with the follow-up), or dropped
 * (`cancelled`: 取消, 修改, or a newer voice note).
 */
export const voiceDrafts = pgTable(
  'voice_drafts',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    transcript: text('transcript').notNull(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    dealId: uuid('deal_id').references(() => deals.id),
    kind: followUpKind('kind').notNull().default('other'),
    summary: text('summary').notNull(),
    nextDueAt: ts('next_due_at'),
    /** pending | recorded | cancelled */
    status: text('status').notNull().default('pending'),
    followUpId: uuid('follow_up_id').references(() => followUps.id),
    /** The voice message's event key: a re-delivered message finds its draft instead of making a second. */
    sourceEventKey: text('source_event_key'),
    createdAt: createdAt(),
    decidedAt: ts('decided_at'),
  },
  (t) => [index('voice_drafts_user').on(t.userId, t.createdAt)],
);
