// The persistent outbox: every outbound message is a row written in the same transaction as its cause.
import { bigserial, index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { createdAt, ts } from './columns.js';
import { outboxStatus, platform } from './enums.js';

export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: uuid('tenant_id'),
    platform: platform('platform').notNull(),
    /** { tenantKey, kind: user|group|webhook, id } (src/adapter.ts SendTarget) or { cardRef } for updates. */
    target: jsonb('target').notNull(),
    /** { op: 'send', message } | { op: 'update', card }. */
    payload: jsonb('payload').notNull(),
    /** After a send, record the returned ref here: { kind: 'approval', id } → sent_cards. */
    recordAs: jsonb('record_as'),
    /** Optional uniqueness for messages that must exist once (nudge per episode …). */
    dedupKey: text('dedup_key').unique(),
    status: outboxStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    lockedUntil: ts('locked_until'),
    lastError: text('last_error'),
    sentAt: ts('sent_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('outbox_due')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('pending', 'sending')`),
  ],
);
