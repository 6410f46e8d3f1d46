// Append-only audit log: who did what to which record, before and after, via which chat message.
import { bigserial, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';
import { platform } from './enums.js';

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    /** Null for the system (scheduler, import). */
    actorId: uuid('actor_id'),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    viaPlatform: platform('via_platform'),
    viaEventKey: text('via_event_key'),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_entity').on(t.entityType, t.entityId), index('audit_log_tenant_created').on(t.tenantId, t.createdAt)],
);
