// Appends to the audit log; called inside the same transaction as the change it records.
import type { DbOrTx } from '../db/client.js';
import { auditLog } from '../db/schema/index.js';
import type { Ctx } from './context.js';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

export async function recordAudit(ctx: Ctx, entry: AuditEntry, db: DbOrTx = ctx.db): Promise<void> {
  await db.insert(auditLog).values({
    tenantId: ctx.actor.tenantId,
    actorId: ctx.actor.userId || null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    viaPlatform: ctx.via?.platform ?? null,
    viaEventKey: ctx.via?.eventKey ?? null,
    // The use-case's clock, like every other write it makes (tests and catch-up runs bring their own).
    createdAt: ctx.now,
  });
}

/** The context of a change no chat user made (admin API, import): audited with no actor. */
export function systemCtx(db: DbOrTx, tenantId: string, now: Date, timeZone: string): Ctx {
  return { db, actor: { tenantId, userId: '', name: '系统', role: 'admin' }, now, timeZone };
}
