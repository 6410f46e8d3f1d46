// Sign-in to the dashboard (/app): a short-lived single-use link from /看板 (kind 'link'), exchanged for a session
// (kind 'session') kept in an HttpOnly cookie. Only a SHA-256 of each token is stored, so a database reader cannot
// sign in with what they read; rows live in the database so any server process honours them.
import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, ts } from './columns.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

export const webSessions = pgTable(
  'web_sessions',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind', { enum: ['link', 'session'] }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /** The session's CSRF token: every state-changing API call must echo it in `x-csrf-token`. */
    csrf: text('csrf'),
    expiresAt: ts('expires_at').notNull(),
    /** A link is used once; a session ends at sign-out. */
    usedAt: ts('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('web_sessions_user').on(t.userId)],
);
