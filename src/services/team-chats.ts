// Teams' group chats, where the daily digest goes. One owner for binding a chat to a team: the admin API
// (POST /admin/api/teams/:id/chats) and the chat command `/设置 战报 本群 [团队名]` both call bindTeamChat.
import { and, eq, inArray, isNull, or } from 'drizzle-orm';
import type { ChatRef, Platform } from '../adapter.js';
import type { DbOrTx } from '../db/client.js';
import { teamChats, teams, users } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { FIELD_LIMITS } from '../domain/text-gate.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { reportIds } from './users.js';

export type Team = typeof teams.$inferSelect;
export type TeamChat = typeof teamChats.$inferSelect;

/** Binds a chat to a team (idempotent: binding it again returns the existing row with created = false). */
export async function bindTeamChat(db: DbOrTx, team: Team, chat: { platform: Platform; chatId: string }): Promise<{ chat: TeamChat; created: boolean }> {
  const [row] = await db.insert(teamChats).values({ teamId: team.id, platform: chat.platform, chatId: chat.chatId }).onConflictDoNothing().returning();
  if (row) return { chat: row, created: true };
  const [existing] = await db
    .select()
    .from(teamChats)
    .where(and(eq(teamChats.teamId, team.id), eq(teamChats.platform, chat.platform), eq(teamChats.chatId, chat.chatId)));
  return { chat: existing!, created: false };
}

const MAY_BIND = new Set(['manager', 'director', 'admin']);

function assertGroupAndRole(ctx: Ctx, chat: ChatRef) {
  if (!MAY_BIND.has(ctx.actor.role)) throw new DomainError('NOT_ALLOWED', '只有销售经理、销售总监或管理员可以设置群战报。');
  if (chat.kind !== 'group') {
    throw new DomainError('INVALID_INPUT', '请在团队的群聊里 @机器人 发送这条命令（例如：/设置 战报 本群 华东销售部），战报会发到发送命令的群。');
  }
}

/** Teams of the tenant whose digest goes to this chat. */
export async function teamsOfChat(db: DbOrTx, tenantId: string, platform: Platform, chatId: string): Promise<Team[]> {
  const rows = await db
    .select({ team: teams })
    .from(teamChats)
    .innerJoin(teams, eq(teams.id, teamChats.teamId))
    .where(and(eq(teams.tenantId, tenantId), eq(teamChats.platform, platform), eq(teamChats.chatId, chatId)))
    .orderBy(teams.name);
  return rows.map((r) => r.team);
}

export interface DigestHere {
  team: Team;
  teamCreated: boolean;
  members: string[];
}

/**
 * `/设置 战报 本群 [团队名]`: binds the group chat the command came from to a team. The team is created when it does
 * not exist (managed by the sender); the sender and their reports who belong to no team yet become its members.
 * Without a name: the team this chat already has, else the one the sender manages, else「<姓名>的团队」.
 */
export async function enableDigestHere(ctx: Ctx, platform: Platform, chat: ChatRef, teamName?: string): Promise<DigestHere> {
  assertGroupAndRole(ctx, chat);
  const name = teamName?.trim() || (await defaultTeamName(ctx, platform, chat.id));
  const max = FIELD_LIMITS.teamName.max;
  if (name.length > max) throw new DomainError('INVALID_INPUT', `团队名最多 ${max} 个字（现在 ${name.length} 个），请写短一些。`);
  const [inserted] = await ctx.db.insert(teams).values({ tenantId: ctx.actor.tenantId, name, managerId: ctx.actor.userId }).onConflictDoNothing().returning();
  const [team] = inserted ? [inserted] : await ctx.db.select().from(teams).where(and(eq(teams.tenantId, ctx.actor.tenantId), eq(teams.name, name)));
  if (!team) throw new Error(`team ${name} neither inserted nor found`);
  if (ctx.actor.role === 'manager' && team.managerId && team.managerId !== ctx.actor.userId) {
    throw new DomainError('NOT_ALLOWED', `「${team.name}」不是你管理的团队。请换一个团队名，或请总监/管理员设置。`);
  }
  const candidates = [ctx.actor.userId, ...(await reportIds(ctx.db, ctx.actor.userId))];
  await ctx.db
    .update(users)
    .set({ teamId: team.id, updatedAt: ctx.now })
    .where(and(eq(users.tenantId, ctx.actor.tenantId), inArray(users.id, candidates), isNull(users.teamId)));
  if (!team.digestEnabled) await ctx.db.update(teams).set({ digestEnabled: true }).where(eq(teams.id, team.id));
  const bound = await bindTeamChat(ctx.db, team, { platform, chatId: chat.id });
  if (bound.created || inserted) {
    await recordAudit(ctx, { action: 'team.chat.bind', entityType: 'team', entityId: team.id, after: { platform, chatId: chat.id, teamCreated: Boolean(inserted) } });
  }
  const members = await ctx.db.select({ name: users.name }).from(users).where(and(eq(users.teamId, team.id), eq(users.active, true))).orderBy(users.name);
  return { team: { ...team, digestEnabled: true }, teamCreated: Boolean(inserted), members: members.map((m) => m.name) };
}

async function defaultTeamName(ctx: Ctx, platform: Platform, chatId: string): Promise<string> {
  const [here] = await teamsOfChat(ctx.db, ctx.actor.tenantId, platform, chatId);
  if (here) return here.name;
  const [managed] = await ctx.db
    .select()
    .from(teams)
    .where(and(eq(teams.tenantId, ctx.actor.tenantId), eq(teams.managerId, ctx.actor.userId)))
    .orderBy(teams.createdAt)
    .limit(1);
  return managed?.name ?? `${ctx.actor.name}的团队`;
}

/** `/设置 战报 关`: this chat no longer receives any team's digest. Returns the teams it was bound to. */
export async function disableDigestHere(ctx: Ctx, platform: Platform, chat: ChatRef): Promise<Team[]> {
  assertGroupAndRole(ctx, chat);
  const bound = await teamsOfChat(ctx.db, ctx.actor.tenantId, platform, chat.id);
  if (bound.length === 0) return [];
  await ctx.db.delete(teamChats).where(
    and(
      eq(teamChats.platform, platform),
      eq(teamChats.chatId, chat.id),
      or(...bound.map((t) => eq(teamChats.teamId, t.id))),
    ),
  );
  for (const t of bound) await recordAudit(ctx, { action: 'team.chat.unbind', entityType: 'team', entityId: t.id, before: { platform, chatId: chat.id } });
  return bound;
}
