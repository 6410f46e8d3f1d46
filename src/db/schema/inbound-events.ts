// Inbound platform events (message/event ids): the idempotency table for platform retries, and the inbox of
// messages acknowledged to the platform but not yet processed (status 'pending', with the event as payload).
import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgTable, text, unique } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';
import { platform } from './enums.js';

export const inboundEvents = pgTable(
  'inbound_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    platform: platform('platform').notNull(),
    eventKey: text('event_key').notNull(),
    /** 'pending' (in the inbox, payload set) or 'done'. */
    status: text('status').notNull().default('done'),
    payload: jsonb('payload'),
    /** Whose message it is (`platform:tenantKey:platformUserId`, src/inbound/inbox.ts senderKey): one sender's messages run in order. */
    senderKey: text('sender_key'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('inbound_events_platform_key').on(t.platform, t.eventKey),
    index('inbound_events_pending').on(t.id).where(sql`status = 'pending'`),
    index('inbound_events_pending_sender').on(t.senderKey, t.id).where(sql`status = 'pending'`),
  ],
);
