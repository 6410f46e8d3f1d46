// The lead pool (公海): customers without an owner. Listing it, claiming from it (/领取, within the tenant's
// per-day and open-lead limits, and not straight back after recycling), and handing a customer to someone
// (/分配 and the assignment rules). Every move is audited; the new owner's golden-response clock starts here.
import { type SQL, and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { auditLog, customers, deals, users } from '../db/schema/index.js';
import type { DbOrTx } from '../db/client.js';
import { queryRows } from '../db/rows.js';
import { formatDay, zonedTime } from '../domain/dates.js';
import { DomainError } from '../domain/errors.js';
import { isKnownIndustry } from '../domain/industries.js';
import { normaliseCompanyName, searchGrams } from '../domain/names.js';
import { isKnownRegion } from '../domain/regions.js';
import { seesAll } from '../domain/roles.js';
import type { TenantSettings } from '../domain/settings.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { type Customer, customerShortId } from './customers.js';
import { queueGoldenNotice } from './golden-response.js';
import { tenantSettings } from './tenant-settings.js';
import { type User, getUser, reportIds } from './users.js';
import { visibleOwnerIds } from './visibility.js';

const DAY = 24 * 3600_000;

export interface PoolEntry {
  customer: Customer;
  daysInPool: number;
}

/** At most this many entries per /公海 answer; the total is counted up to a cap ("1000+"), lower when filtered. */
export const POOL_PAGE = 20;
const POOL_COUNT_CAP = 1000;
const FILTERED_COUNT_CAP = 200;

/**
 * The /公海 filter: a known region (浙江, 宁波市) matches the region, a known industry (阀门) the industry, `来源`
 * the source; any other word the company name, through the name-bigram GIN index (customers_name_grams).
 */
function poolFilter(filter: { text?: string; source?: string }): SQL | undefined {
  const parts: SQL[] = [];
  const f = filter.text?.trim();
  if (f) {
    if (isKnownRegion(f)) parts.push(sql`position(${f.replace(/(省|市|区|县|镇)$/, '')} in coalesce(${customers.region}, '')) > 0`);
    else if (isKnownIndustry(f)) parts.push(sql`position(${f.replace(/行业$/, '')} in coalesce(${customers.industry}, '')) > 0`);
    else {
      const key = normaliseCompanyName(f) || f.toLowerCase();
      // The specific bigrams (trade words like 机械 left out, src/domain/names.ts searchGrams) narrow through the GIN index.
      const grams = searchGrams(key).filter((g) => [...g].length === 2);
      if (grams.length > 0) parts.push(sql`${customers.nameGrams} @> array[${sql.join(grams.map((g) => sql`${g}`), sql`, `)}]::text[]`);
      parts.push(sql`position(${key} in ${customers.normalisedName}) > 0`);
    }
  }
  if (filter.source?.trim()) parts.push(sql`position(${filter.source.trim()} in coalesce(${customers.sourceChannel}, '')) > 0`);
  return parts.length > 0 ? and(...parts) : undefined;
}

/**
 * Pool entries the actor may see (everyone sees the whole pool), newest first, optionally filtered (poolFilter).
 * Served by the partial index customers_pool; the count stops at POOL_COUNT_CAP.
 */
export async function listPool(
  ctx: Ctx,
  filter: { text?: string; source?: string } = {},
  limit = POOL_PAGE,
): Promise<{ entries: PoolEntry[]; total: number; capped: boolean }> {
  const narrowed = poolFilter(filter);
  const cap = narrowed ? FILTERED_COUNT_CAP : POOL_COUNT_CAP;
  const where = and(eq(customers.tenantId, ctx.actor.tenantId), isNull(customers.ownerId), isNull(customers.mergedIntoId), narrowed);
  const rows = await ctx.db.select().from(customers).where(where).orderBy(desc(customers.pooledAt), desc(customers.shortNo)).limit(limit);
  const [count] =
    rows.length < limit
      ? [{ n: rows.length }]
      : await queryRows<{ n: number }>(ctx.db, sql`select count(*)::int as n from (select 1 from ${customers} where ${where} limit ${cap + 1}) s`);
  const total = Number(count?.n ?? 0);
  return {
    entries: rows.map((c) => ({ customer: c, daysInPool: Math.max(0, Math.floor((ctx.now.getTime() - (c.pooledAt ?? c.createdAt).getTime()) / DAY)) })),
    total: Math.min(total, cap),
    capped: total > cap,
  };
}

/** The start of the actor's local day, for the per-day claim limit. */
function startOfDay(now: Date, tz: string): Date {
  const [y, m, d] = formatDay(now, tz).split('-').map(Number) as [number, number, number];
  return zonedTime({ year: y, month: m, day: d, hour: 0, minute: 0 }, tz);
}

/** Open leads a rep holds: their 潜在 customers (limits of claims and of round-robin). */
export async function openLeadCount(db: DbOrTx, tenantId: string, userId: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(customers)
    .where(and(eq(customers.tenantId, tenantId), eq(customers.ownerId, userId), eq(customers.status, 'prospect'), isNull(customers.mergedIntoId)));
  return Number(r?.n ?? 0);
}

async function claimsToday(ctx: Ctx): Promise<number> {
  const [r] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.tenantId, ctx.actor.tenantId),
        eq(auditLog.actorId, ctx.actor.userId),
        eq(auditLog.action, 'customer.claim'),
        sql`${auditLog.createdAt} >= ${startOfDay(ctx.now, ctx.timeZone).toISOString()}::timestamptz`,
      ),
    );
  return Number(r?.n ?? 0);
}

/** Why `customer` is not in the pool (someone owns it), or undefined. */
async function notInPool(ctx: Ctx, c: Customer): Promise<string | undefined> {
  if (c.ownerId === null) return undefined;
  if (c.ownerId === ctx.actor.userId) return `${customerShortId(c)} ${c.name} 已经在你名下，不用领取。`;
  const owner = await getUser(ctx.db, c.ownerId);
  return `${customerShortId(c)} ${c.name} 不在公海里（负责人 ${owner?.name ?? '?'}）。`;
}

/** /领取: the actor takes a pool entry, within the tenant's limits. */
export async function claimCustomer(ctx: Ctx, c: Customer): Promise<{ customer: Customer; claimsLeft: number }> {
  const why = await notInPool(ctx, c);
  if (why) throw new DomainError('NOT_ALLOWED', why);
  const rules = (await tenantSettings(ctx.db, ctx.actor.tenantId)).pool;
  const id = customerShortId(c);
  if (c.releasedFromId === ctx.actor.userId && c.pooledAt && rules.reclaimBlockDays > 0) {
    const until = new Date(c.pooledAt.getTime() + rules.reclaimBlockDays * DAY);
    if (until > ctx.now) {
      throw new DomainError(
        'NOT_ALLOWED',
        `${id} ${c.name} 是 ${formatDay(c.pooledAt, ctx.timeZone)} 因长期未跟进从你名下回收的，${formatDay(until, ctx.timeZone)} 之后才能重新领取。` +
          '如确需跟进，请经理 /分配 给你。',
      );
    }
  }
  const today = await claimsToday(ctx);
  if (today >= rules.claimsPerDay) {
    throw new DomainError('NOT_ALLOWED', `你今天已经领取了 ${today} 个客户（每人每天最多 ${rules.claimsPerDay} 个），明天再来领取，或请经理 /分配。`);
  }
  const open = await openLeadCount(ctx.db, ctx.actor.tenantId, ctx.actor.userId);
  if (open >= rules.maxOpenLeads) {
    throw new DomainError(
      'NOT_ALLOWED',
      `你名下已有 ${open} 个未成交客户（每人最多 ${rules.maxOpenLeads} 个），暂时不能再领取。请先跟进推进手上的客户。`,
    );
  }
  const customer = await moveOwner(ctx, c, ctx.actor.userId, 'customer.claim', {});
  return { customer, claimsLeft: rules.claimsPerDay - today - 1 };
}

/** Who may /分配: a manager within their reporting line (themselves included), a director or admin anyone. */
async function assertMayAssign(ctx: Ctx, c: Customer, to: User): Promise<void> {
  if (seesAll(ctx.actor.role)) return;
  if (ctx.actor.role !== 'manager') throw new DomainError('NOT_ALLOWED', '只有销售经理、销售总监或管理员可以分配客户。想跟进公海里的客户，请用 /领取。');
  const line = new Set([ctx.actor.userId, ...(await reportIds(ctx.db, ctx.actor.userId))]);
  if (!line.has(to.id)) throw new DomainError('NOT_ALLOWED', `${to.name} 不是你的下属，不能分配给他。请联系 ${to.name} 的经理。`);
  if (c.ownerId !== null && !line.has(c.ownerId)) {
    throw new DomainError('NOT_ALLOWED', `${customerShortId(c)} ${c.name} 不在公海里，也不属于你的下属，不能分配。`);
  }
}

/** /分配 C-n 张三: hands a pool entry (or a customer of the actor's line) to `to`, who is told at once. */
export async function assignCustomer(ctx: Ctx, c: Customer, to: User): Promise<Customer> {
  if (to.tenantId !== ctx.actor.tenantId) throw new DomainError('NOT_FOUND', `没有找到「${to.name}」。`);
  if (!to.active) throw new DomainError('INVALID_INPUT', `${to.name} 的账号已停用，请换一位在职的同事。`);
  await assertMayAssign(ctx, c, to);
  if (c.ownerId === to.id) throw new DomainError('INVALID_INPUT', `${customerShortId(c)} ${c.name} 已经是 ${to.name} 的客户。`);
  return moveOwner(ctx, c, to.id, 'customer.assign', { rule: `${ctx.actor.name} 分配` });
}

/**
 * Gives a customer to `ownerId` (null = back to the pool) if it still has the owner it was read with, moving its
 * open deals along, restarting its idle and golden-response clocks; audited as `action`. A concurrent move makes
 * the update match nothing, and the second mover is told who was first.
 */
export async function moveOwner(
  ctx: Ctx,
  c: Customer,
  ownerId: string | null,
  action: string,
  extra: { rule?: string; notify?: boolean; /** The tenant's settings when the caller has them (a batch). */ settings?: TenantSettings },
): Promise<Customer> {
  const to = ownerId === null ? { pooledAt: ctx.now, assignedAt: null, releasedFromId: c.ownerId } : { pooledAt: null, assignedAt: ctx.now };
  const [updated] = await ctx.db
    .update(customers)
    .set({ ownerId, ...to, lastActivityAt: ctx.now, updatedAt: ctx.now })
    .where(and(eq(customers.id, c.id), c.ownerId === null ? isNull(customers.ownerId) : eq(customers.ownerId, c.ownerId)))
    .returning();
  if (!updated) {
    const [now] = await ctx.db.select({ ownerName: users.name }).from(customers).leftJoin(users, eq(users.id, customers.ownerId)).where(eq(customers.id, c.id));
    throw new DomainError('ALREADY_DECIDED', `${customerShortId(c)} ${c.name} 刚刚已${now?.ownerName ? `归 ${now.ownerName}` : '回到公海'}，请 /查看 后重试。`);
  }
  if (ownerId !== null) {
    await ctx.db.update(deals).set({ ownerId, updatedAt: ctx.now }).where(and(eq(deals.customerId, c.id), isNull(deals.closedAt)));
  }
  await recordAudit(ctx, {
    action,
    entityType: 'customer',
    entityId: c.id,
    before: { ownerId: c.ownerId },
    after: { ownerId, ...(extra.rule ? { rule: extra.rule } : {}) },
  });
  if (ownerId !== null && ownerId !== ctx.actor.userId && extra.notify !== false) await queueGoldenNotice(ctx, updated, extra.rule, extra.settings);
  return updated;
}

export type PoolRules = TenantSettings['pool'];

export type CustomerStatus = Customer['status'];

/** /客户列表: the customers the actor may see (their own, their line's, or all), optionally by status; newest activity first. */
export async function listCustomers(ctx: Ctx, status: CustomerStatus | undefined, limit = POOL_PAGE) {
  const owners = await visibleOwnerIds(ctx);
  const where = and(
    eq(customers.tenantId, ctx.actor.tenantId),
    isNull(customers.mergedIntoId),
    owners === null ? sql`${customers.ownerId} is not null` : inArray(customers.ownerId, owners),
    status ? eq(customers.status, status) : undefined,
  );
  const rows = await ctx.db
    .select({ c: customers, ownerName: users.name })
    .from(customers)
    .innerJoin(users, eq(users.id, customers.ownerId))
    .where(where)
    .orderBy(sql`${customers.lastActivityAt} desc nulls last`, desc(customers.shortNo))
    .limit(limit);
  const [count] = await queryRows<{ n: number }>(ctx.db, sql`select count(*)::int as n from (select 1 from ${customers} where ${where} limit ${POOL_COUNT_CAP + 1}) s`);
  const total = Number(count?.n ?? 0);
  return { rows, total: Math.min(total, POOL_COUNT_CAP), capped: total > POOL_COUNT_CAP };
}
