// People: users with their role and reporting line, and their platform identities.
import { type AnyPgColumn, boolean, index, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, ts, updatedAt } from './columns.js';
import { platform, userRole } from './enums.js';
import { teams, tenants } from './tenants.js';

export const users = pgTable(
  'users',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    name: text('name').notNull(),
    role: userRole('role').notNull().default('rep'),
    managerId: uuid('manager_id').references((): AnyPgColumn => users.id),
    teamId: uuid('team_id').references(() => teams.id),
    region: text('region'),
    active: boolean('active').notNull().default(true),
    /** Opt-out of the personal morning to-do message. */
    morningDigest: boolean('morning_digest').notNull().default(true),
    deactivatedAt: ts('deactivated_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('users_tenant_manager').on(t.tenantId, t.managerId), index('users_team').on(t.teamId)],
);

/** A platform user id is unique within its tenant on that platform. */
export const userIdentities = pgTable(
  'user_identities',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    platform: platform('platform').notNull(),
    platformUserId: text('platform_user_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique('user_identities_platform_user').on(t.tenantId, t.platform, t.platformUserId),
    index('user_identities_user').on(t.userId),
  ],
);
