// Maintaining a customer from chat: its fields (a new name recomputes the dedup key), tags and contacts (add,
// update by name, remove).
// Owner, their manager chain, director or admin only; every change is audited on the customer with old → new.
import { and, eq, isNull, ne, or, sql } from 'drizzle-orm';
import { contacts, customers, users } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { normalisePhone } from '../domain/names.js';
import { FIELD_LIMITS } from '../domain/text-gate.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { type Customer, POOL_OWNER_NAME, customerShortId, nameColumns } from './customers.js';
import { assertMayChange } from './visibility.js';

/** Fields `/修改 C-…` may set; null clears (every field but the name). */
export interface CustomerChange {
  name?: string;
  phone?: string | null;
  region?: string | null;
  industry?: string | null;
  grade?: 'A' | 'B' | 'C' | null;
  sourceChannel?: string | null;
}

// Caps come from the one owner of field limits, the text gate (src/domain/text-gate.ts).
const MAX_NAME = FIELD_LIMITS.companyName.max;
/** Short free-text fields (region, industry, source, contact name and role). */
const MAX_SHORT = FIELD_LIMITS.region.max;
const MAX_TAG = FIELD_LIMITS.tag.max;
const MAX_TAGS = 20;

export type Contact = typeof contacts.$inferSelect;

export async function updateCustomer(
  ctx: Ctx,
  customer: Customer,
  change: CustomerChange,
): Promise<{ customer: Customer; changed: Array<keyof CustomerChange> }> {
  const what = `客户 ${customerShortId(customer)}`;
  await assertMayChange(ctx, customer.ownerId, what);
  const set: Partial<typeof customers.$inferInsert> = {};
  if (change.name !== undefined) {
    const name = change.name.trim();
    if (name.length > MAX_NAME) throw new DomainError('INVALID_INPUT', `公司名太长（最多 ${MAX_NAME} 个字）。`);
    const keys = nameColumns(name);
    if (keys.normalisedName.length < 2) throw new DomainError('INVALID_INPUT', `公司名「${name}」太短，请写出完整的公司名称。`);
    set.name = name;
    Object.assign(set, keys);
  }
  if (change.phone !== undefined) {
    const normalised = change.phone === null ? null : normalisePhone(change.phone);
    if (normalised === undefined) throw new DomainError('INVALID_INPUT', `电话「${change.phone}」看起来不像手机或座机号码，请检查后重试。`);
    set.phone = change.phone?.trim() ?? null;
    set.phoneNormalised = normalised;
  }
  for (const [field, column] of [['region', 'region'], ['industry', 'industry'], ['sourceChannel', 'sourceChannel']] as const) {
    const v = change[field];
    if (v === undefined) continue;
    if (v !== null && (!v.trim() || v.trim().length > MAX_SHORT)) {
      throw new DomainError('INVALID_INPUT', `${FIELD_LABELS[field]}不能为空，也不能超过 ${MAX_SHORT} 个字。`);
    }
    set[column] = v?.trim() ?? null;
  }
  if (change.grade !== undefined) set.grade = change.grade;

  const changed = (Object.keys(set) as Array<keyof typeof set>).filter((k) => set[k] !== customer[k as keyof Customer]);
  if (changed.length === 0) return { customer, changed: [] };
  const newKey = set.normalisedName !== customer.normalisedName ? set.normalisedName : undefined;
  // The name key is not unique in SQL: take the same per-key lock as createCustomer so a rename and a create of
  // one key take turns (the lock ends with the caller's transaction).
  if (newKey) await ctx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`customer-name:${ctx.actor.tenantId}:${newKey}`}))::text`);
  await refuseDuplicate(ctx, customer, newKey, set.phoneNormalised ?? undefined);

  let updated: Customer | undefined;
  try {
    // In a savepoint: a concurrent change that took the name or phone meanwhile fails the unique index, and the
    // caller's transaction must survive that to answer politely.
    updated = await ctx.db.transaction(async (sp) => {
      const [row] = await sp.update(customers).set({ ...set, updatedAt: ctx.now }).where(eq(customers.id, customer.id)).returning();
      return row;
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw new DomainError('DUPLICATE', '这个公司名或电话刚刚被另一个客户用了，没有修改。请 /查看 后重试。');
  }
  const shown = changed.filter((k) => k !== 'normalisedName' && k !== 'nameGrams' && k !== 'nameKeyVersion' && k !== 'phoneNormalised') as Array<keyof CustomerChange>;
  await recordAudit(ctx, {
    action: 'customer.update',
    entityType: 'customer',
    entityId: customer.id,
    before: Object.fromEntries(shown.map((k) => [k, customer[k]])),
    after: Object.fromEntries(shown.map((k) => [k, updated![k]])),
  });
  return { customer: updated!, changed: shown };
}

const isUniqueViolation = (err: unknown): boolean => {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code === '23505' || e?.cause?.code === '23505';
};

export const FIELD_LABELS: Record<keyof CustomerChange, string> = {
  name: '名称',
  phone: '电话',
  region: '地区',
  industry: '行业',
  grade: '等级',
  sourceChannel: '来源',
};

/** Another customer of the tenant (anyone's) already has this key or phone: say whose, nothing more. */
async function refuseDuplicate(ctx: Ctx, self: Customer, key: string | undefined, phone: string | undefined) {
  if (!key && !phone) return;
  const conditions = [key ? eq(customers.normalisedName, key) : undefined, phone ? eq(customers.phoneNormalised, phone) : undefined].filter(
    (c) => c !== undefined,
  );
  const [other] = await ctx.db
    .select({ c: customers, ownerName: sql<string>`coalesce(${users.name}, ${POOL_OWNER_NAME})` })
    .from(customers)
    .leftJoin(users, eq(users.id, customers.ownerId))
    .where(and(eq(customers.tenantId, ctx.actor.tenantId), ne(customers.id, self.id), isNull(customers.mergedIntoId), or(...conditions)))
    .limit(1);
  if (!other) return;
  const by = key && other.c.normalisedName === key ? '公司名' : '电话';
  throw new DomainError(
    'DUPLICATE',
    `已有客户 ${customerShortId(other.c)} ${other.c.name}（负责人 ${other.ownerName}）用了这个${by}，没有修改。如是同一家，请联系经理合并。`,
  );
}

const foldTag = (t: string) => t.normalize('NFKC').trim();

/** `/标签 C-1 +外资 -潜在`: adds and removes tags; returns what actually changed and what was not there. */
export async function changeTags(ctx: Ctx, customer: Customer, add: string[], remove: string[]) {
  await assertMayChange(ctx, customer.ownerId, `客户 ${customerShortId(customer)}`);
  const toAdd = [...new Set(add.map(foldTag).filter(Boolean))];
  const toRemove = [...new Set(remove.map(foldTag).filter(Boolean))];
  const tooLong = [...toAdd, ...toRemove].find((t) => t.length > MAX_TAG);
  if (tooLong) throw new DomainError('INVALID_INPUT', `标签「${tooLong.slice(0, MAX_TAG)}…」太长（最多 ${MAX_TAG} 个字）。`);
  const both = toAdd.find((t) => toRemove.includes(t));
  if (both) throw new DomainError('INVALID_INPUT', `标签「${both}」不能同时添加和删除。`);
  const before = customer.tags;
  const added = toAdd.filter((t) => !before.includes(t));
  const removed = toRemove.filter((t) => before.includes(t));
  const missing = toRemove.filter((t) => !before.includes(t));
  const after = [...before.filter((t) => !removed.includes(t)), ...added];
  if (after.length > MAX_TAGS) throw new DomainError('INVALID_INPUT', `一个客户最多 ${MAX_TAGS} 个标签，请先删掉一些：/标签 ${customerShortId(customer)} -<标签>`);
  if (added.length === 0 && removed.length === 0) return { customer, added, removed, missing };
  // Optimistic: the tags we read must still be there, or a concurrent change would be lost.
  const [updated] = await ctx.db
    .update(customers)
    .set({ tags: after, updatedAt: ctx.now })
    .where(and(eq(customers.id, customer.id), eq(customers.tags, before)))
    .returning();
  if (!updated) throw new DomainError('ALREADY_DECIDED', `客户 ${customerShortId(customer)} 的标签刚刚被其他人改了，请重试。`);
  await recordAudit(ctx, { action: 'customer.tags', entityType: 'customer', entityId: customer.id, before: { tags: before }, after: { tags: after } });
  return { customer: updated, added, removed, missing };
}

/**
 * `/联系人 C-1 王经理 采购 139…`: adds a contact (name, role, phone). A contact of the same name on this customer
 * is updated instead of duplicated (only the parts given change).
 */
export async function saveContact(
  ctx: Ctx,
  customer: Customer,
  input: { name: string; role?: string; phone?: string },
): Promise<{ contact: Contact; created: boolean }> {
  await assertMayChange(ctx, customer.ownerId, `客户 ${customerShortId(customer)}`);
  const name = input.name.normalize('NFKC').trim();
  const role = input.role?.trim() || undefined;
  if (!name) throw new DomainError('INVALID_INPUT', '请写上联系人姓名。');
  if (name.length > MAX_SHORT || (role && role.length > MAX_SHORT)) {
    throw new DomainError('INVALID_INPUT', `联系人姓名和职务各最多 ${MAX_SHORT} 个字。`);
  }
  if (input.phone && !normalisePhone(input.phone)) {
    throw new DomainError('INVALID_INPUT', `电话「${input.phone}」看起来不像手机或座机号码，请检查后重试。`);
  }
  const phone = input.phone?.trim() || undefined;
  const [existing] = await ctx.db
    .select()
    .from(contacts)
    .where(and(eq(contacts.customerId, customer.id), eq(contacts.name, name)))
    .limit(1);
  if (existing) {
    const set = { ...(role !== undefined ? { decisionRole: role } : {}), ...(phone !== undefined ? { phone } : {}) };
    const changed = Object.entries(set).filter(([k, v]) => existing[k as keyof Contact] !== v);
    if (changed.length === 0) return { contact: existing, created: false };
    const [updated] = await ctx.db.update(contacts).set(set).where(eq(contacts.id, existing.id)).returning();
    await recordAudit(ctx, {
      action: 'customer.contact.update',
      entityType: 'customer',
      entityId: customer.id,
      before: { contact: name, ...Object.fromEntries(changed.map(([k]) => [k, existing[k as keyof Contact]])) },
      after: { contact: name, ...Object.fromEntries(changed) },
    });
    return { contact: updated!, created: false };
  }
  const [contact] = await ctx.db
    .insert(contacts)
    .values({ tenantId: customer.tenantId, customerId: customer.id, name, decisionRole: role ?? null, phone: phone ?? null, createdAt: ctx.now })
    .returning();
  await recordAudit(ctx, {
    action: 'customer.contact.add',
    entityType: 'customer',
    entityId: customer.id,
    after: { contact: name, decisionRole: role ?? null, phone: phone ?? null },
  });
  return { contact: contact!, created: true };
}

/** `/联系人 C-1 -王经理`: removes a contact typed by mistake (audited with what it held). */
export async function removeContact(ctx: Ctx, customer: Customer, rawName: string): Promise<Contact> {
  await assertMayChange(ctx, customer.ownerId, `客户 ${customerShortId(customer)}`);
  const name = rawName.normalize('NFKC').trim();
  const [removed] = await ctx.db
    .delete(contacts)
    .where(and(eq(contacts.customerId, customer.id), eq(contacts.name, name)))
    .returning();
  if (!removed) throw new DomainError('NOT_FOUND', `客户 ${customerShortId(customer)} 没有联系人「${name}」。`);
  await recordAudit(ctx, {
    action: 'customer.contact.remove',
    entityType: 'customer',
    entityId: customer.id,
    before: { contact: removed.name, decisionRole: removed.decisionRole, phone: removed.phone },
  });
  return removed;
}
