// Infrastructure tables: shared access tokens, scheduler slot claims, pending numbered choices, handovers.
import { jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, ts } from './columns.js';
import { handoverStatus } from './enums.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

/** Platform access tokens, shared by every server instance so they do not invalidate each other. */
export const platformTokens = pgTable('platform_tokens', {
  key: text('key').primaryKey(),
  token: text('token').notNull(),
  expiresAt: ts('expires_at').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** DingTalk HTTP callback signatures and the msgId each first carried: the sign covers no body (bots/dingtalk/verify.ts). */
export const dingtalkSignatures = pgTable('dingtalk_signatures', {
  sign: text('sign').primaryKey(),
  timestamp: text('timestamp').notNull(),
  msgId: text('msg_id').notNull(),
  seenAt: createdAt(),
});

/** A scheduled run claims (job, slot) once across all instances. */
export const schedulerRuns = pgTable(
  'scheduler_runs',
  {
    job: text('job').notNull(),
    slot: text('slot').notNull(),
    claimedBy: text('claimed_by').notNull(),
    claimedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.job, t.slot] })],
);

/** The last "which one did you mean?" question per user, answered by typing its number. */
export const pendingChoices = pgTable('pending_choices', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  /** [{ label, command }] */
  options: jsonb('options').notNull(),
  expiresAt: ts('expires_at').notNull(),
});

/** 离职交接: a leaver's customers wait in a pool until the receiver confirms. */
export const handovers = pgTable('handovers', {
  id: id(),
  tenantId: tenantId().references(() => tenants.id),
  fromUserId: uuid('from_user_id')
    .notNull()
    .references(() => users.id),
  toUserId: uuid('to_user_id')
    .notNull()
    .references(() => users.id),
  status: handoverStatus('status').notNull().default('pending'),
  createdById: uuid('created_by_id')
    .notNull()
    .references(() => users.id),
  confirmedAt: ts('confirmed_at'),
  createdAt: createdAt(),
});
