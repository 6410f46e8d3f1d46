// Changing a tenant's assignment rules (/设置 分配 and the admin API): targets are resolved to a team or a person
// of the tenant and stored by id, so a rename keeps the rule. Admin only, audited through updateSettings.
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { teams, users } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import type { AssignmentRule, TenantSettings } from '../domain/settings.js';
import { describeRule } from './assignment.js';
import type { Ctx } from './context.js';
import { assertAdmin, getSettings, updateSettings } from './settings.js';
import { findOnePerson } from './users.js';

export type RuleTarget = { teamId: string } | { userId: string };

/** A typed target: a team of the tenant by exact name, else one person (see findOnePerson). */
export async function resolveTarget(db: DbOrTx, tenantId: string, name: string): Promise<RuleTarget & { label: string }> {
  const [team] = await db.select({ id: teams.id, name: teams.name }).from(teams).where(and(eq(teams.tenantId, tenantId), eq(teams.name, name.trim())));
  if (team) return { teamId: team.id, label: `${team.name}（团队）` };
  const person = await findOnePerson(db, tenantId, name.trim(), '团队或人员');
  if (!person.active) throw new DomainError('INVALID_INPUT', `${person.name} 的账号已停用，不能接收线索。`);
  return { userId: person.id, label: person.name };
}

/** Every stored id still names a team or user of this tenant (the admin API passes ids). */
export async function assertTargetsInTenant(db: DbOrTx, tenantId: string, rules: AssignmentRule[], defaultTeamId: string | null): Promise<void> {
  const teamIds = new Set((await db.select({ id: teams.id }).from(teams).where(eq(teams.tenantId, tenantId))).map((t) => t.id));
  const userIds = new Set((await db.select({ id: users.id }).from(users).where(eq(users.tenantId, tenantId))).map((u) => u.id));
  rules.forEach((r, i) => {
    if (r.teamId && !teamIds.has(r.teamId)) throw new DomainError('INVALID_INPUT', `第 ${i + 1} 条规则的团队不属于这家公司。`);
    if (r.userId && !userIds.has(r.userId)) throw new DomainError('INVALID_INPUT', `第 ${i + 1} 条规则的人员不属于这家公司。`);
  });
  if (defaultTeamId && !teamIds.has(defaultTeamId)) throw new DomainError('INVALID_INPUT', '默认团队不属于这家公司。');
}

async function save(ctx: Ctx, assignment: TenantSettings['assignment']): Promise<TenantSettings['assignment']> {
  await assertTargetsInTenant(ctx.db, ctx.actor.tenantId, assignment.rules, assignment.defaultTeamId);
  return (await updateSettings(ctx, { assignment })).assignment;
}

export async function addAssignmentRule(ctx: Ctx, by: AssignmentRule['by'], match: string, targetName: string) {
  assertAdmin(ctx);
  const target = await resolveTarget(ctx.db, ctx.actor.tenantId, targetName);
  const current = (await getSettings(ctx)).assignment;
  const { label: _label, ...ids } = target;
  return save(ctx, { ...current, rules: [...current.rules, { by, match: match.trim(), ...ids }] });
}

export async function removeAssignmentRule(ctx: Ctx, position: number) {
  assertAdmin(ctx);
  const current = (await getSettings(ctx)).assignment;
  if (!Number.isInteger(position) || position < 1 || position > current.rules.length) {
    throw new DomainError('INVALID_INPUT', current.rules.length === 0 ? '还没有分配规则。' : `请写 1 到 ${current.rules.length} 之间的规则序号（/设置 分配 查看）。`);
  }
  return save(ctx, { ...current, rules: current.rules.filter((_, i) => i !== position - 1) });
}

export async function clearAssignmentRules(ctx: Ctx) {
  assertAdmin(ctx);
  const current = (await getSettings(ctx)).assignment;
  return save(ctx, { ...current, rules: [] });
}

/** The team whose members take turns when no rule matches; null = unmatched leads stay in the pool. */
export async function setDefaultTeam(ctx: Ctx, teamName: string | null) {
  assertAdmin(ctx);
  const current = (await getSettings(ctx)).assignment;
  let defaultTeamId: string | null = null;
  if (teamName !== null) {
    const [team] = await ctx.db.select({ id: teams.id }).from(teams).where(and(eq(teams.tenantId, ctx.actor.tenantId), eq(teams.name, teamName.trim())));
    if (!team) throw new DomainError('NOT_FOUND', `没有叫「${teamName}」的团队。团队可用 /设置 战报 本群 <团队名> 或管理员 API 创建。`);
    defaultTeamId = team.id;
  }
  return save(ctx, { ...current, defaultTeamId });
}

/** The rules as numbered lines, for /设置 分配. */
export async function describeAssignment(db: DbOrTx, tenantId: string, assignment: TenantSettings['assignment']): Promise<string[]> {
  const teamNames = new Map((await db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.tenantId, tenantId))).map((t) => [t.id, t.name]));
  const userNames = new Map((await db.select({ id: users.id, name: users.name }).from(users).where(eq(users.tenantId, tenantId))).map((u) => [u.id, u.name]));
  const names = { team: (id: string) => teamNames.get(id) ?? '已删除的团队', user: (id: string) => userNames.get(id) ?? '?' };
  const lines = assignment.rules.map((r, i) => `${i + 1}. ${describeRule(r, names)}`);
  lines.push(
    assignment.defaultTeamId
      ? `其他线索：在「${names.team(assignment.defaultTeamId)}」团队内轮流分配`
      : '其他线索：留在公海（设置默认团队：/设置 分配 默认 <团队名>）',
  );
  return lines;
}
