// Resolving approvers at request time from roles and the reporting line; stored on the steps afterwards.
import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { users } from '../db/schema/index.js';
import type { ApproverRole } from '../domain/approval-rules.js';
import type { User } from './users.js';

export async function resolveApprover(db: DbOrTx, requester: User, role: ApproverRole): Promise<User | undefined> {
  if (role === 'manager') {
    if (!requester.managerId) return undefined;
    const [m] = await db.select().from(users).where(and(eq(users.id, requester.managerId), eq(users.active, true)));
    return m;
  }
  const [u] = await db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, requester.tenantId), eq(users.role, role), eq(users.active, true)))
    .orderBy(asc(users.createdAt))
    .limit(1);
  return u;
}

export async function activeAdmins(db: DbOrTx, tenantId: string): Promise<User[]> {
  return db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.role, 'admin'), eq(users.active, true)));
}
