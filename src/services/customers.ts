// Customers: create with dedup (normalised name / phone), look up by short id or fuzzy name within visibility.
import { and, desc, eq, or, sql } from 'drizzle-orm';
import { customers, users } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { cityPrefixOf, normaliseCompanyName, normalisePhone } from '../domain/names.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { nextShortNo, parseShortId, shortId } from './counters.js';
import { awaitingMyDecision, viewFilter, visibleOwnerIds } from './visibility.js';

export type Customer = typeof customers.$inferSelect;

export interface NewCustomerInput {
  name: string;
  phone?: string;
  region?: string;
  industry?: string;
  grade?: 'A' | 'B' | 'C';
  sourceChannel?: string;
  tags?: string[];
}

export type CreateCustomerResult =
  | { created: true; customer: Customer }
  | { created: false; customer: Customer; ownerName: string; matchedBy: 'name' | 'phone' };

export async function createCustomer(ctx: Ctx, input: NewCustomerInput): Promise<CreateCustomerResult> {
  const name = input.name.trim();
  const normalisedName = normaliseCompanyName(name);
  if (normalisedName.length < 2) {
    throw new DomainError('INVALID_INPUT', `公司名「${name}」太短，请写出完整的公司名称。`);
  }
  const phoneNormalised = input.phone ? normalisePhone(input.phone) : undefined;
  if (input.phone && !phoneNormalised) {
    throw new DomainError('INVALID_INPUT', `电话「${input.phone}」看起来不像手机或座机号码，请检查后重试。`);
  }
  const existing = await findDuplicate(ctx, normalisedName, phoneNormalised);
  if (existing) return existing;

  const shortNo = await nextShortNo(ctx.db, ctx.actor.tenantId, 'customer');
  const inserted = await ctx.db
    .insert(customers)
    .values({
      tenantId: ctx.actor.tenantId,
      shortNo,
      name,
      normalisedName,
      phone: input.phone?.trim() ?? null,
      phoneNormalised: phoneNormalised ?? null,
      region: input.region ?? cityPrefixOf(name) ?? null,
      industry: input.industry ?? null,
      grade: input.grade ?? null,
      sourceChannel: input.sourceChannel ?? null,
      tags: input.tags ?? [],
      ownerId: ctx.actor.userId,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .onConflictDoNothing()
    .returning();
  const customer = inserted[0];
  if (!customer) {
    // A concurrent create won the unique key between our check and insert.
    const dup = await findDuplicate(ctx, normalisedName, phoneNormalised);
    if (dup) return dup;
    throw new DomainError('DUPLICATE', '客户刚刚被其他人创建，请用 /查看 查找。');
  }
  await recordAudit(ctx, { action: 'customer.create', entityType: 'customer', entityId: customer.id, after: customer });
  return { created: true, customer };
}

async function findDuplicate(
  ctx: Ctx,
  normalisedName: string,
  phone: string | undefined,
): Promise<CreateCustomerResult | undefined> {
  const rows = await ctx.db
    .select({ c: customers, ownerName: users.name })
    .from(customers)
    .innerJoin(users, eq(users.id, customers.ownerId))
    .where(
      and(
        eq(customers.tenantId, ctx.actor.tenantId),
        phone
          ? or(eq(customers.normalisedName, normalisedName), eq(customers.phoneNormalised, phone))
          : eq(customers.normalisedName, normalisedName),
      ),
    )
    .limit(1);
  const row = rows[0];
  if (!row) return undefined;
  const matchedBy = row.c.normalisedName === normalisedName ? 'name' : 'phone';
  return { created: false, customer: row.c, ownerName: row.ownerName, matchedBy };
}

export const customerShortId = (c: Pick<Customer, 'shortNo'>) => shortId('customer', c.shortNo);

/** Customers the actor may see matching a short id (C-12), a phone, or a fuzzy name. */
export async function findCustomers(ctx: Ctx, ref: string): Promise<Customer[]> {
  const owners = await visibleOwnerIds(ctx);
  const waiting = owners === null ? [] : (await awaitingMyDecision(ctx)).customerIds;
  const base = and(eq(customers.tenantId, ctx.actor.tenantId), viewFilter(customers.ownerId, owners, customers.id, waiting));
  const no = parseShortId(ref, 'customer');
  if (no !== undefined) {
    return ctx.db.select().from(customers).where(and(base, eq(customers.shortNo, no)));
  }
  const phone = normalisePhone(ref);
  if (phone) {
    const byPhone = await ctx.db.select().from(customers).where(and(base, eq(customers.phoneNormalised, phone)));
    if (byPhone.length > 0) return byPhone;
  }
  const key = normaliseCompanyName(ref) || ref.trim().toLowerCase();
  const exact = await ctx.db.select().from(customers).where(and(base, eq(customers.normalisedName, key)));
  if (exact.length > 0) return exact;
  return ctx.db
    .select()
    .from(customers)
    .where(
      and(
        base,
        sql`(position(${key} in ${customers.normalisedName}) > 0 or position(${customers.normalisedName} in ${key}) > 0)`,
      ),
    )
    .orderBy(desc(customers.updatedAt))
    .limit(9);
}

export async function getCustomer(ctx: Ctx, id: string): Promise<Customer | undefined> {
  const [c] = await ctx.db.select().from(customers).where(eq(customers.id, id)).limit(1);
  return c;
}
