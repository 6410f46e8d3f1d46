// Processed inbound events (platform message/event ids): the idempotency table for platform retries.
import { bigserial, pgTable, text, unique } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';
import { platform } from './enums.js';

export const inboundEvents = pgTable(
  'inbound_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    platform: platform('platform').notNull(),
    eventKey: text('event_key').notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique('inbound_events_platform_key').on(t.platform, t.eventKey)],
);
