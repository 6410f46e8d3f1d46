// Admin changes: approval thresholds (tenant settings), roles and reporting lines. Admin-only, audited.
import { eq } from 'drizzle-orm';
import { tenants, users } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { mergeSettings, tenantSettingsSchema, type TenantSettings } from '../domain/settings.js';
import type { Role } from '../domain/roles.js';
import { recordAudit } from './audit.js';
import type { DbOrTx } from '../db/client.js';
import type { Ctx } from './context.js';
import { tenantSettings } from './tenant-settings.js';
import type { User } from './users.js';
import { loopThrough } from '../domain/reporting-line.js';

export function assertAdmin(ctx: Ctx) {
  if (ctx.actor.role !== 'admin') throw new DomainError('NOT_ALLOWED', '只有管理员可以修改设置。请联系你们公司的 ChatCRM 管理员。');
}

/** The actor's tenant's settings (read by ./tenant-settings.ts, the one reader of tenant settings). */
export const getSettings = (ctx: Ctx): Promise<TenantSettings> => tenantSettings(ctx.db, ctx.actor.tenantId);

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/** Merges a partial change into the tenant's settings, validating the result. */
export async function updateSettings(ctx: Ctx, patch: DeepPartial<TenantSettings>): Promise<TenantSettings> {
  assertAdmin(ctx);
  const before = await getSettings(ctx);
  const parsed = tenantSettingsSchema.safeParse(mergeSettings(before, patch));
  if (!parsed.success) {
    throw new DomainError('INVALID_INPUT', `设置值不合法：${parsed.error.issues.map((i) => `${i.path.join('.')}（${i.message}）`).join('、')}`);
  }
  await ctx.db.update(tenants).set({ settings: parsed.data, updatedAt: ctx.now }).where(eq(tenants.id, ctx.actor.tenantId));
  await recordAudit(ctx, { action: 'settings.update', entityType: 'tenant', entityId: ctx.actor.tenantId, before, after: parsed.data });
  return parsed.data;
}

export async function setRole(ctx: Ctx, user: User, role: Role): Promise<void> {
  assertAdmin(ctx);
  if (user.id === ctx.actor.userId && role !== 'admin') {
    throw new DomainError('NOT_ALLOWED', '不能撤销自己的管理员身份；请让另一位管理员操作。');
  }
  await ctx.db.update(users).set({ role, updatedAt: ctx.now }).where(eq(users.id, user.id));
  await recordAudit(ctx, { action: 'user.role', entityType: 'user', entityId: user.id, before: { role: user.role }, after: { role } });
}

/** The reporting-line rules, shared by /设置 上级 and the admin API: same tenant, not oneself, no loop. */
export async function assertManagerChange(db: DbOrTx, user: User, manager: User | null): Promise<void> {
  if (!manager) return;
  if (manager.tenantId !== user.tenantId) throw new DomainError('INVALID_INPUT', `${manager.name} 不是同一家公司的成员，不能做 ${user.name} 的上级。`);
  if (manager.id === user.id) throw new DomainError('INVALID_INPUT', '不能把自己设为自己的上级。');
  const managerOf = new Map<string, string>();
  for (const u of await db.select({ id: users.id, managerId: users.managerId }).from(users).where(eq(users.tenantId, user.tenantId))) {
    if (u.managerId) managerOf.set(u.id, u.managerId);
  }
  managerOf.set(user.id, manager.id);
  if (loopThrough(managerOf, user.id)) {
    throw new DomainError('INVALID_INPUT', `${manager.name} 是 ${user.name} 的下属，不能反过来做上级（会形成循环）。`);
  }
}

export async function setManager(ctx: Ctx, user: User, manager: User | null): Promise<void> {
  assertAdmin(ctx);
  await assertManagerChange(ctx.db, user, manager);
  await ctx.db.update(users).set({ managerId: manager?.id ?? null, updatedAt: ctx.now }).where(eq(users.id, user.id));
  await recordAudit(ctx, { action: 'user.manager', entityType: 'user', entityId: user.id, before: { managerId: user.managerId }, after: { managerId: manager?.id ?? null } });
}

/** Anyone may switch their own morning to-do message on or off. */
export async function setMorningDigest(ctx: Ctx, value: string | undefined): Promise<string> {
  const on = ['开', 'on', '打开', '开启'].includes(value ?? '');
  const off = ['关', 'off', '关闭'].includes(value ?? '');
  if (!on && !off) return '请写「开」或「关」，例如：/设置 早报 关';
  await ctx.db.update(users).set({ morningDigest: on, updatedAt: ctx.now }).where(eq(users.id, ctx.actor.userId));
  await recordAudit(ctx, { action: 'user.morning_digest', entityType: 'user', entityId: ctx.actor.userId, after: { morningDigest: on } });
  return on ? '已开启每日早报（工作日早上发送你的待办）。' : '已关闭每日早报。需要时发送 /设置 早报 开。';
}

/** Admin: whether a voice note's follow-up waits for 确认 (default on) or is written at once. */
export async function setVoiceConfirm(ctx: Ctx, value: string | undefined): Promise<string> {
  const on = ['开', 'on', '打开', '开启'].includes(value ?? '');
  const off = ['关', 'off', '关闭'].includes(value ?? '');
  if (!on && !off) {
    const now = (await getSettings(ctx)).voice.confirm;
    return `语音跟进${now ? '先发确认卡片，点「确认」后才记录' : '直接记录（不再确认）'}。修改：/设置 语音确认 开 或 /设置 语音确认 关`;
  }
  await updateSettings(ctx, { voice: { confirm: on } });
  return on ? '已开启语音确认：语音跟进先发确认卡片，点「确认」后才记录。' : '已关闭语音确认：语音跟进直接记录，回复里附上听到的内容（记错了可 /撤销）。';
}
