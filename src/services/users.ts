// People: resolving the platform-verified sender to a user (created as a rep on first sight), roles, managers.
import { and, eq, sql } from 'drizzle-orm';
import type { Platform } from '../adapter.js';
import type { DbOrTx } from '../db/client.js';
import { queryRows } from '../db/rows.js';
import { tenantIdentities, tenants, userIdentities, users } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import type { Role } from '../domain/roles.js';
import type { Actor } from './context.js';
import type { TenantRow } from './tenants.js';

export type User = typeof users.$inferSelect;

export interface SeenUser {
  tenantId: string;
  platform: Platform;
  platformUserId: string;
  displayName?: string;
  /** Role for a user created now (console `--role`); existing users keep theirs. */
  roleIfNew?: Role;
  /** The first person of a tenant to talk to the bot becomes its admin (so someone can promote the others). */
  firstUserIsAdmin?: boolean;
}

/**
 * The tenant and user behind a sender already seen (both identities known), in one statement; undefined when
 * either is new, and the caller resolves them one by one (resolveTenant, resolveUser), which also creates them.
 * Every message of a known sender takes this path: one round trip instead of two.
 */
export async function findKnownSender(db: DbOrTx, platform: Platform, tenantKey: string, platformUserId: string): Promise<{ tenant: TenantRow; user: User } | undefined> {
  const [row] = await db
    .select({ t: tenants, u: users })
    .from(tenantIdentities)
    .innerJoin(tenants, eq(tenants.id, tenantIdentities.tenantId))
    .innerJoin(userIdentities, and(eq(userIdentities.tenantId, tenantIdentities.tenantId), eq(userIdentities.platform, platform), eq(userIdentities.platformUserId, platformUserId)))
    .innerJoin(users, eq(users.id, userIdentities.userId))
    .where(and(eq(tenantIdentities.platform, platform), eq(tenantIdentities.tenantKey, tenantKey)))
    .limit(1);
  return row ? { tenant: row.t, user: row.u } : undefined;
}

/** Finds or creates the user behind a platform identity. Race-safe: the identity is unique per tenant. */
export async function resolveUser(db: DbOrTx, seen: SeenUser): Promise<User> {
  const existing = await findByIdentity(db, seen.tenantId, seen.platform, seen.platformUserId);
  if (existing) return existing;
  let role: Role = seen.roleIfNew ?? 'rep';
  if (!seen.roleIfNew && seen.firstUserIsAdmin) {
    const [any] = await db.select({ id: users.id }).from(users).where(eq(users.tenantId, seen.tenantId)).limit(1);
    if (!any) role = 'admin';
  }
  const [user] = await db
    .insert(users)
    .values({ tenantId: seen.tenantId, name: seen.displayName ?? seen.platformUserId, role })
    .returning();
  const inserted = await db
    .insert(userIdentities)
    .values({ tenantId: seen.tenantId, userId: user!.id, platform: seen.platform, platformUserId: seen.platformUserId })
    .onConflictDoNothing()
    .returning();
  if (inserted.length === 0) {
    // Another request created the identity first; drop ours and use theirs.
    await db.delete(users).where(eq(users.id, user!.id));
    return (await findByIdentity(db, seen.tenantId, seen.platform, seen.platformUserId))!;
  }
  return user!;
}

export async function findByIdentity(db: DbOrTx, tenantId: string, platform: Platform, platformUserId: string) {
  const [row] = await db
    .select({ u: users })
    .from(userIdentities)
    .innerJoin(users, eq(users.id, userIdentities.userId))
    .where(
      and(
        eq(userIdentities.tenantId, tenantId),
        eq(userIdentities.platform, platform),
        eq(userIdentities.platformUserId, platformUserId),
      ),
    )
    .limit(1);
  return row?.u;
}

export const toActor = (u: User): Actor => ({ tenantId: u.tenantId, userId: u.id, name: u.name, role: u.role });

/** The user ids that report to `userId`, directly or transitively (not including the user). */
export async function reportIds(db: DbOrTx, userId: string): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`with recursive r(id, depth) as (
          select id, 1 from users where manager_id = ${userId}
          union select u.id, r.depth + 1 from users u join r on u.manager_id = r.id where r.depth < 20
        ) select distinct id from r`,
  );
  return rows.map((r) => r.id);
}

/** Users of a tenant whose name matches exactly, or contains the text when there is no exact match. */
export async function findUsersByName(db: DbOrTx, tenantId: string, name: string): Promise<User[]> {
  const exact = await db.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.name, name)));
  if (exact.length > 0) return exact;
  return db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), sql`position(${name} in ${users.name}) > 0`));
}

/**
 * The one person a typed name means (exact name first, else a part of a name); among several matches the only
 * active one wins. `what` names them in the refusal (离职人, 接手人…).
 */
export async function findOnePerson(db: DbOrTx, tenantId: string, name: string, what = ''): Promise<User> {
  const found = await findUsersByName(db, tenantId, name);
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw new DomainError('NOT_FOUND', `没有找到${what}「${name}」。请写对方在系统里的名字（对方需要先给机器人发过一条消息）。`);
  const active = found.filter((u) => u.active);
  if (active.length === 1) return active[0]!;
  throw new DomainError('AMBIGUOUS', `「${name}」匹配到多人：${found.map((u) => u.name).join('、')}，请写全名。`);
}

export async function usersWithRole(db: DbOrTx, tenantId: string, role: Role): Promise<User[]> {
  return db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.role, role), eq(users.active, true)))
    .orderBy(users.createdAt);
}

/** Every user of a tenant, active or not (no order). */
export async function listUsers(db: DbOrTx, tenantId: string): Promise<User[]> {
  return db.select().from(users).where(eq(users.tenantId, tenantId));
}

/** The tenant's active users, oldest first. */
export async function activeUsers(db: DbOrTx, tenantId: string): Promise<User[]> {
  return db.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.active, true))).orderBy(users.createdAt);
}

export interface Identity {
  userId: string;
  platform: (typeof userIdentities.$inferSelect)['platform'];
  platformUserId: string;
}

/** Every platform identity of a tenant's users (console ones included; no order). */
export async function listIdentities(db: DbOrTx, tenantId: string): Promise<Identity[]> {
  return db
    .select({ userId: userIdentities.userId, platform: userIdentities.platform, platformUserId: userIdentities.platformUserId })
    .from(userIdentities)
    .where(eq(userIdentities.tenantId, tenantId));
}

/** The fields an admin (or the people import) sets on a user. */
export interface UserFields {
  name?: string;
  role?: Role;
  managerId?: string;
  teamId?: string;
  region?: string;
}

/** Creates a user without any identity (see addIdentity); returns the new id. */
export async function createUser(db: DbOrTx, tenantId: string, fields: UserFields & { name: string }): Promise<string> {
  return (await db.insert(users).values({ tenantId, ...fields }).returning({ id: users.id }))[0]!.id;
}

export async function updateUser(db: DbOrTx, tenantId: string, id: string, fields: UserFields, now: Date): Promise<void> {
  await db.update(users).set({ ...fields, updatedAt: now }).where(and(eq(users.id, id), eq(users.tenantId, tenantId)));
}

/** Binds a platform account to a user; the identity must not exist yet (it is unique per tenant). */
export async function addIdentity(db: DbOrTx, tenantId: string, userId: string, platform: Platform, platformUserId: string): Promise<void> {
  await db.insert(userIdentities).values({ tenantId, userId, platform, platformUserId });
}

export async function getUser(db: DbOrTx, id: string): Promise<User | undefined> {
  const [u] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return u;
}
