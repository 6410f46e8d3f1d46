// Resolving approvers at request time from roles and the reporting line; stored on the steps afterwards.
import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { users } from '../db/schema/index.js';
import type { ApproverRole } from '../domain/approval-rules.js';
import type { User } from './users.js';

export interface ResolvedApprover {
  user: User;
  /** The role's holder when that was the requester: nobody decides their own request. */
  reroutedFrom?: User;
}

export async function resolveApprover(db: DbOrTx, requester: User, role: ApproverRole): Promise<ResolvedApprover | undefined> {
  const holder = role === 'manager' ? await activeUser(db, requester.tenantId, requester.managerId) : await firstWithRole(db, requester.tenantId, role);
  if (!holder) return undefined;
  if (holder.id !== requester.id) return { user: holder };
  const instead = await aboveRequester(db, requester);
  return instead ? { user: instead, reroutedFrom: holder } : undefined;
}

/** The requester's manager, then up the reporting line (loop-safe), then the first admin who is not the requester. */
export async function aboveRequester(db: DbOrTx, requester: User): Promise<User | undefined> {
  const seen = new Set([requester.id]);
  let next = requester.managerId;
  while (next && !seen.has(next)) {
    seen.add(next);
    const [u] = await db.select().from(users).where(and(eq(users.id, next), eq(users.tenantId, requester.tenantId)));
    if (!u) break;
    if (u.active) return u;
    next = u.managerId;
  }
  return (await activeAdmins(db, requester.tenantId)).find((a) => a.id !== requester.id);
}

/**
 * Who takes over a step whose approver left (deactivated by the admin API or a /交接 handover): the handover's
 * receiver when the tenant chose that (settings `approval.strandedStepsTo`), else the leaver's manager, up the
 * reporting line, then an admin. Whoever it is, the requester never decides their own request: that candidate
 * goes through the same rerouting as at request time (`aboveRequester`).
 */
export async function replacementApprover(
  db: DbOrTx,
  leaver: User,
  requester: User,
  opts: { receiver?: User | undefined; strandedStepsTo: 'manager' | 'receiver' },
): Promise<ResolvedApprover | undefined> {
  const receiver = opts.strandedStepsTo === 'receiver' && opts.receiver?.active && opts.receiver.id !== leaver.id ? opts.receiver : undefined;
  const candidate = receiver ?? (await aboveRequester(db, leaver));
  if (!candidate || candidate.id === leaver.id) return undefined;
  if (candidate.id !== requester.id) return { user: candidate };
  const instead = await aboveRequester(db, requester);
  return instead && instead.id !== leaver.id ? { user: instead, reroutedFrom: candidate } : undefined;
}

async function activeUser(db: DbOrTx, tenantId: string, id: string | null): Promise<User | undefined> {
  if (!id) return undefined;
  const [u] = await db.select().from(users).where(and(eq(users.id, id), eq(users.tenantId, tenantId), eq(users.active, true)));
  return u;
}

async function firstWithRole(db: DbOrTx, tenantId: string, role: Exclude<ApproverRole, 'manager'>): Promise<User | undefined> {
  const [u] = await db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.role, role), eq(users.active, true)))
    .orderBy(asc(users.createdAt))
    .limit(1);
  return u;
}

export async function activeAdmins(db: DbOrTx, tenantId: string): Promise<User[]> {
  return db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.role, 'admin'), eq(users.active, true)))
    .orderBy(asc(users.createdAt));
}
