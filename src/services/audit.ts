// Appends to the audit log; called inside the same transaction as the change it records.
import { sql } from 'drizzle-orm';
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

/** Many entries in one insert (a batch of assigned leads), as recordAudit writes each; one JSON parameter per chunk. */
export async function recordAudits(ctx: Ctx, entries: AuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 1000) {
    const chunk = entries.slice(i, i + 1000).map((e) => ({
      entity_type: e.entityType,
      entity_id: e.entityId,
      action: e.action,
      before: e.before ?? null,
      after: e.after ?? null,
    }));
    if (chunk.length === 0) return;
    await ctx.db.execute(
      sql`insert into audit_log (tenant_id, actor_id, action, entity_type, entity_id, before, after, via_platform, via_event_key, created_at)
          select ${ctx.actor.tenantId}::uuid, ${ctx.actor.userId || null}::uuid, x.action, x.entity_type, x.entity_id, x.before, x.after,
                 ${ctx.via?.platform ?? null}::platform, ${ctx.via?.eventKey ?? null}, ${ctx.now.toISOString()}::timestamptz
          from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as x(action text, entity_type text, entity_id text, before jsonb, after jsonb)`,
    );
  }
}

/** The context of a change no chat user made (admin API, import): audited with no actor. */
export function systemCtx(db: DbOrTx, tenantId: string, now: Date, timeZone: string): Ctx {
  return { db, actor: { tenantId, userId: '', name: '系统', role: 'admin' }, now, timeZone };
}
