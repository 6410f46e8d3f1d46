// Dashboard sign-in without passwords: /看板 hands the asking user a link that works once within 10 minutes; opening
// it starts a 12-hour session (HttpOnly cookie) with its own CSRF token. The chat apps' own sign-in (OAuth2 code →
// member, src/server/dashboard/auth.ts) starts the same session. Only SHA-256 hashes of tokens are stored.
// Who the session is comes from the row, i.e. from the platform-verified user — never from the page.
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { tenants, users, webSessions } from '../db/schema/index.js';
import type { Actor, Ctx } from './context.js';

export const LINK_TTL_MS = 10 * 60_000;
export const SESSION_TTL_MS = 12 * 3600_000;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

/** A single-use sign-in link token for the actor (the /看板 reply carries it). */
export async function createDashboardLink(ctx: Ctx): Promise<string> {
  const token = newToken();
  await ctx.db.insert(webSessions).values({
    tenantId: ctx.actor.tenantId,
    userId: ctx.actor.userId,
    kind: 'link',
    tokenHash: hash(token),
    expiresAt: new Date(ctx.now.getTime() + LINK_TTL_MS),
  });
  return token;
}

/** Uses a link (once, before it expires, for an active user): a new session's token and CSRF token, or undefined. */
export async function exchangeLink(db: DbOrTx, token: string, now: Date): Promise<{ session: string; csrf: string } | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const [link] = await db
    .update(webSessions)
    .set({ usedAt: now })
    .where(and(eq(webSessions.tokenHash, hash(token)), eq(webSessions.kind, 'link'), isNull(webSessions.usedAt), gt(webSessions.expiresAt, now)))
    .returning({ tenantId: webSessions.tenantId, userId: webSessions.userId });
  if (!link) return undefined;
  return startSession(db, link.tenantId, link.userId, now);
}

/** A new 12-hour session for an active user of the tenant (its token and CSRF token), or undefined for anyone else. */
export async function startSession(db: DbOrTx, tenantId: string, userId: string, now: Date): Promise<{ session: string; csrf: string } | undefined> {
  const [user] = await db.select({ active: users.active }).from(users).where(and(eq(users.id, userId), eq(users.tenantId, tenantId)));
  if (!user?.active) return undefined;
  const session = newToken();
  const csrf = newToken();
  await db.insert(webSessions).values({ tenantId, userId, kind: 'session', tokenHash: hash(session), csrf, expiresAt: new Date(now.getTime() + SESSION_TTL_MS) });
  return { session, csrf };
}

export interface WebSession {
  actor: Actor;
  timeZone: string;
  csrf: string;
}

/** The signed-in user behind a session cookie (still active, session not expired or ended), with their current role. */
export async function sessionOf(db: DbOrTx, token: string | undefined, now: Date): Promise<WebSession | undefined> {
  if (!token || !/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const [row] = await db
    .select({ csrf: webSessions.csrf, user: users, timeZone: tenants.timeZone })
    .from(webSessions)
    .innerJoin(users, eq(users.id, webSessions.userId))
    .innerJoin(tenants, eq(tenants.id, webSessions.tenantId))
    .where(and(eq(webSessions.tokenHash, hash(token)), eq(webSessions.kind, 'session'), isNull(webSessions.usedAt), gt(webSessions.expiresAt, now)));
  if (!row || !row.user.active) return undefined;
  return { actor: { tenantId: row.user.tenantId, userId: row.user.id, name: row.user.name, role: row.user.role }, timeZone: row.timeZone, csrf: row.csrf! };
}

export async function endSession(db: DbOrTx, token: string, now: Date): Promise<void> {
  await db.update(webSessions).set({ usedAt: now }).where(and(eq(webSessions.tokenHash, hash(token)), eq(webSessions.kind, 'session')));
}
