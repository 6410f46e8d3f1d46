// Tenants (one company each), the platform tenant keys that map onto them, teams and their group chats.
import { boolean, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, updatedAt } from './columns.js';
import { platform } from './enums.js';

export const tenants = pgTable('tenants', {
  id: id(),
  name: text('name').notNull(),
  /** IANA time zone for quiet hours, digests and date parsing. */
  timeZone: text('time_zone').notNull().default('Asia/Shanghai'),
  /** Per-tenant rules (approval thresholds, nudge rules, quiet hours, stage criteria); zod-validated in src/domain/settings.ts. */
  settings: jsonb('settings').notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A platform's own tenant id (WeCom CorpID, Feishu tenant_key, DingTalk corpId) → our tenant. */
export const tenantIdentities = pgTable(
  'tenant_identities',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    platform: platform('platform').notNull(),
    tenantKey: text('tenant_key').notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique('tenant_identities_platform_key').on(t.platform, t.tenantKey)],
);

export const teams = pgTable(
  'teams',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    name: text('name').notNull(),
    managerId: uuid('manager_id'),
    digestEnabled: boolean('digest_enabled').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [unique('teams_tenant_name').on(t.tenantId, t.name)],
);

/** A team's group chat on one platform (chat id, or a group-robot webhook name for WeCom). */
export const teamChats = pgTable(
  'team_chats',
  {
    id: id(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    platform: platform('platform').notNull(),
    chatId: text('chat_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique('team_chats_team_platform_chat').on(t.teamId, t.platform, t.chatId)],
);
