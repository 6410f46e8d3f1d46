// Who may see and change which records: a rep their own, a manager their reports' (transitively),
// director/admin everything. Finance/tech see only what they are asked to approve (checked in approvals).
import { inArray, type SQL, type AnyColumn, sql } from 'drizzle-orm';
import { seesAll } from '../domain/roles.js';
import { DomainError } from '../domain/errors.js';
import type { Ctx } from './context.js';
import { reportIds } from './users.js';

/** null = everything; otherwise the owner ids the actor may see. */
export async function visibleOwnerIds(ctx: Ctx): Promise<string[] | null> {
  if (seesAll(ctx.actor.role)) return null;
  if (ctx.actor.role === 'manager') return [ctx.actor.userId, ...(await reportIds(ctx.db, ctx.actor.userId))];
  return [ctx.actor.userId];
}

export function ownerFilter(column: AnyColumn, owners: string[] | null): SQL {
  return owners === null ? sql`true` : inArray(column, owners);
}

export async function assertMayChange(ctx: Ctx, ownerId: string, what: string): Promise<void> {
  const owners = await visibleOwnerIds(ctx);
  if (owners !== null && !owners.includes(ownerId)) {
    throw new DomainError('NOT_ALLOWED', `${what}不属于你或你的下属，无法操作。如需接手，请联系你的经理。`);
  }
}
