// Customers: create with dedup (normalised name / phone, similar names offered first), look up by short id or
// fuzzy name within visibility. Merged customers (/合并) are never listed; their C-n says where they went.
import { setImmediate as turn } from 'node:timers/promises';
import { and, desc, eq, gt, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { customers, users } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import {
  NAME_KEY_VERSION,
  type NameMatch,
  SIMILAR_DICE,
  cityPrefixOf,
  compareKeys,
  lookupKeys,
  nameGrams,
  normaliseCompanyName,
  normalisePhone,
  regionsOf,
  searchGrams,
} from '../domain/names.js';
import { assertFieldFits } from '../domain/text-gate.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { nextShortNo, parseShortId, shortId } from './counters.js';
import { awaitingMyDecision, customerViewFilter, visibleOwnerIds } from './visibility.js';

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

/** An existing customer offered as "maybe the same company" (可能是同一家) before anything is created. */
export interface SimilarCustomer {
  customer: Customer;
  ownerName: string;
  match: NameMatch;
}

export type CreateCustomerResult =
  | { created: true; customer: Customer }
  | { created: false; customer: Customer; ownerName: string; matchedBy: 'name' | 'phone' }
  | { created: false; similar: SimilarCustomer[] };

/** How an owner-less customer's owner is named wherever an owner name is shown. */
export const POOL_OWNER_NAME = '公海';
/** The owner's name, or 公海 for a pool entry (for queries that left-join users on customers.owner_id). */
const ownerNameSql = sql<string>`coalesce(${users.name}, ${POOL_OWNER_NAME})`;

export interface CreateOptions {
  /**
   * Who owns the new customer: the actor by default; null puts it in the lead pool (公海) for the assignment
   * rules (src/services/assignment.ts) or a claim.
   */
  ownerId?: string | null;
  /** The user chose 新建 on the "maybe the same company" card: create despite similar names (never despite an exact one). */
  allowSimilar?: boolean;
}

/** The stored dedup columns for a company name; every write of customers.name must set them too. */
export function nameColumns(name: string) {
  const normalisedName = normaliseCompanyName(name);
  return { normalisedName, nameGrams: nameGrams(normalisedName), nameKeyVersion: NAME_KEY_VERSION };
}

export async function createCustomer(ctx: Ctx, input: NewCustomerInput, opts: CreateOptions = {}): Promise<CreateCustomerResult> {
  const name = input.name.trim();
  assertFieldFits('companyName', name);
  assertFieldFits('phone', input.phone);
  assertFieldFits('region', input.region);
  assertFieldFits('industry', input.industry);
  assertFieldFits('source', input.sourceChannel);
  for (const tag of input.tags ?? []) assertFieldFits('tag', tag);
  const keys = nameColumns(name);
  const { normalisedName } = keys;
  if (normalisedName.length < 2) {
    throw new DomainError('INVALID_INPUT', `公司名「${name}」太短，请写出完整的公司名称。`);
  }
  const phoneNormalised = input.phone ? normalisePhone(input.phone) : undefined;
  if (input.phone && !phoneNormalised) {
    throw new DomainError('INVALID_INPUT', `电话「${input.phone}」看起来不像手机或座机号码，请检查后重试。`);
  }
  // The name key is not unique in SQL (see the schema), so two creates of one key take turns; the lock ends with
  // the caller's transaction (every chat message and import runs in one).
  await ctx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`customer-name:${ctx.actor.tenantId}:${normalisedName}`}))::text`);
  const existing = await findDuplicate(ctx, name, normalisedName, phoneNormalised);
  if (existing && !('similar' in existing && opts.allowSimilar)) return existing;
  if (!opts.allowSimilar) {
    const similar = await findSimilarCustomers(ctx, name);
    if (similar.length > 0) return { created: false, similar };
  }

  const shortNo = await nextShortNo(ctx.db, ctx.actor.tenantId, 'customer');
  const inserted = await ctx.db
    .insert(customers)
    .values({
      tenantId: ctx.actor.tenantId,
      shortNo,
      name,
      ...keys,
      phone: input.phone?.trim() ?? null,
      phoneNormalised: phoneNormalised ?? null,
      region: input.region ?? cityPrefixOf(name) ?? null,
      industry: input.industry ?? null,
      grade: input.grade ?? null,
      sourceChannel: input.sourceChannel ?? null,
      tags: input.tags ?? [],
      ownerId: opts.ownerId === undefined ? ctx.actor.userId : opts.ownerId,
      ...(opts.ownerId === null ? { pooledAt: ctx.now } : {}),
      // The idle clock of recycling and win-back (src/services/pool.ts) starts at creation.
      lastActivityAt: ctx.now,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .onConflictDoNothing()
    .returning();
  const customer = inserted[0];
  if (!customer) {
    // A concurrent create took the phone between our check and insert.
    const dup = await findDuplicate(ctx, name, normalisedName, phoneNormalised);
    if (dup && !('similar' in dup)) return dup;
    throw new DomainError('DUPLICATE', '客户刚刚被其他人创建，请用 /查看 查找。');
  }
  await recordAudit(ctx, { action: 'customer.create', entityType: 'customer', entityId: customer.id, after: customer });
  return { created: true, customer };
}

/**
 * The customer this name or phone already is. A merged customer answers with the one it was merged into. The
 * same key with two different stated places (上海华东五金 / 华东五金（浙江）) is only offered as similar.
 */
async function findDuplicate(
  ctx: Ctx,
  name: string,
  normalisedName: string,
  phone: string | undefined,
): Promise<CreateCustomerResult | undefined> {
  const rows = await ctx.db
    .select({ c: customers, ownerName: ownerNameSql })
    .from(customers)
    .leftJoin(users, eq(users.id, customers.ownerId))
    .where(
      and(
        eq(customers.tenantId, ctx.actor.tenantId),
        phone
          ? or(eq(customers.normalisedName, normalisedName), eq(customers.phoneNormalised, phone))
          : eq(customers.normalisedName, normalisedName),
      ),
    )
    .orderBy(customers.shortNo)
    .limit(20);
  const regions = regionsOf(name);
  const conflicts = (c: Customer) => {
    const theirs = regionsOf(c.name);
    return regions.length > 0 && theirs.length > 0 && !theirs.some((r) => regions.includes(r));
  };
  const byPhone = phone ? rows.find((r) => r.c.phoneNormalised === phone) : undefined;
  const byName = rows.find((r) => r.c.normalisedName === normalisedName && !conflicts(r.c));
  const row = byPhone ?? byName;
  if (row) {
    const survivor = await followMerges(ctx, row.c);
    const ownerName = survivor.id === row.c.id ? row.ownerName : await ownerNameOf(ctx, survivor.ownerId);
    return { created: false, customer: survivor, ownerName, matchedBy: row === byPhone ? 'phone' : 'name' };
  }
  const sameKeyElsewhere = rows.filter((r) => r.c.normalisedName === normalisedName && r.c.mergedIntoId === null);
  if (sameKeyElsewhere.length > 0) {
    return { created: false, similar: sameKeyElsewhere.slice(0, 3).map((r) => ({ customer: r.c, ownerName: r.ownerName, match: { kind: 'exact', score: 1 } })) };
  }
  return undefined;
}

async function followMerges(ctx: Ctx, c: Customer): Promise<Customer> {
  let current = c;
  for (let hops = 0; current.mergedIntoId && hops < 10; hops++) {
    const next = await getCustomer(ctx, current.mergedIntoId);
    if (!next) break;
    current = next;
  }
  return current;
}

async function ownerNameOf(ctx: Ctx, userId: string | null): Promise<string> {
  if (userId === null) return POOL_OWNER_NAME;
  const [u] = await ctx.db.select({ name: users.name }).from(users).where(eq(users.id, userId));
  return u?.name ?? '?';
}

/**
 * The user answered 是同一家 for `ref` (C-12): it must still be one of the customers offered for this name, so a
 * crafted 选用: cannot reveal names and owners that a real suggestion would not have shown.
 */
export async function pickSimilarCustomer(ctx: Ctx, name: string, ref: string): Promise<CreateCustomerResult> {
  const key = normaliseCompanyName(name.trim());
  const dup = await findDuplicate(ctx, name.trim(), key, undefined);
  if (dup && !('similar' in dup)) return dup;
  const offered = [...(dup && 'similar' in dup ? dup.similar : []), ...(await findSimilarCustomers(ctx, name))];
  const no = parseShortId(ref, 'customer');
  const hit = offered.find((o) => o.customer.shortNo === no);
  if (!hit) throw new DomainError('NOT_FOUND', `「${ref}」不在为「${name}」找到的相似客户里，请重新发送 /新客户。`);
  return { created: false, customer: hit.customer, ownerName: hit.ownerName, matchedBy: 'name' };
}

/** How many similar customers are offered at most. */
export const MAX_SIMILAR = 3;

/**
 * Existing (unmerged) customers of the tenant whose key contains, is contained in, or shares enough bigrams with
 * this name's key: the GIN index on name_grams narrows to customers sharing a bigram, the rest is checked per row.
 * Exact-key matches are findDuplicate's business and are left out.
 */
export async function findSimilarCustomers(ctx: Ctx, name: string, limit = MAX_SIMILAR): Promise<SimilarCustomer[]> {
  const key = normaliseCompanyName(name);
  const grams = nameGrams(key);
  if (grams.length === 0) return [];
  const textArray = (xs: string[]) => sql`array[${sql.join(xs.map((g) => sql`${g}`), sql`, `)}]::text[]`;
  const q = textArray(grams);
  const shared = sql<number>`(select count(*)::int from unnest(${customers.nameGrams}) g where g = any(${q}))`;
  const rows = await ctx.db
    .select({ c: customers, ownerName: ownerNameSql })
    .from(customers)
    .leftJoin(users, eq(users.id, customers.ownerId))
    .where(
      and(
        eq(customers.tenantId, ctx.actor.tenantId),
        isNull(customers.mergedIntoId),
        sql`${customers.nameGrams} && ${textArray(searchGrams(key))}`,
        sql`${customers.normalisedName} <> ${key}`,
        sql`(position(${customers.normalisedName} in ${key}) > 0 or position(${key} in ${customers.normalisedName}) > 0
             or 2 * ${shared} >= ${SIMILAR_DICE}::float8 * (cardinality(${customers.nameGrams}) + ${grams.length}))`,
      ),
    )
    .orderBy(desc(shared), customers.shortNo)
    .limit(limit * 8);
  return rows
    .map((r) => ({ customer: r.c, ownerName: r.ownerName, match: compareKeys(key, r.c.normalisedName) }))
    .filter((r): r is SimilarCustomer => r.match !== undefined)
    .sort((a, b) => b.match.score - a.match.score || a.customer.shortNo - b.customer.shortNo)
    .slice(0, limit);
}

/** A customer as the in-memory index knows it (enough to name it in a report). */
export interface IndexedCustomer {
  shortNo: number;
  name: string;
  normalisedName: string;
  ownerName: string;
}

/** Customers per query when loading a tenant's index: on PGlite a query holds the event loop for its length. */
const INDEX_PAGE = 2_000;

/**
 * The tenant's customers loaded once and keyed as createCustomer matches them, for checking many names at a time
 * (the import): by key and stated place as findDuplicate does (a merged customer stands for the one it was merged
 * into), by phone, and by bigram for the same "maybe the same company" rule as findSimilarCustomers.
 */
export async function customerIndex(db: DbOrTx, tenantId: string, only?: { names: string[]; phones: string[] }) {
  const select = (where: SQL | undefined) =>
    db
      .select({
        id: customers.id,
        shortNo: customers.shortNo,
        name: customers.name,
        normalisedName: customers.normalisedName,
        phoneNormalised: customers.phoneNormalised,
        mergedIntoId: customers.mergedIntoId,
        ownerName: ownerNameSql,
      })
      .from(customers)
      .leftJoin(users, eq(users.id, customers.ownerId))
      .where(and(eq(customers.tenantId, tenantId), where))
      .orderBy(customers.shortNo);
  // `only`: just the customers with these keys (an import batch re-checked inside its transaction), and the ones
  // they were merged into.
  const keyed = only ? or(only.names.length > 0 ? inArray(customers.normalisedName, only.names) : undefined, only.phones.length > 0 ? inArray(customers.phoneNormalised, only.phones) : undefined) : undefined;
  const rows = only ? (keyed ? await select(keyed) : []) : [];
  // The whole tenant in pages by short number: PGlite runs a query on the caller's thread, and one 200,000-row
  // query would hold every other request for its length.
  for (let after = 0; !only; ) {
    const page = await select(gt(customers.shortNo, after)).limit(INDEX_PAGE);
    rows.push(...page);
    if (page.length < INDEX_PAGE) break;
    after = page[page.length - 1]!.shortNo;
    await turn();
  }
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (let hops = 0; only && hops < 10; hops++) {
    const missing = [...new Set(rows.flatMap((r) => (r.mergedIntoId && !byId.has(r.mergedIntoId) ? [r.mergedIntoId] : [])))];
    if (missing.length === 0) break;
    for (const r of await select(inArray(customers.id, missing))) {
      rows.push(r);
      byId.set(r.id, r);
    }
  }
  const survivor = (r: (typeof rows)[number]) => {
    let cur = r;
    for (let hops = 0; cur.mergedIntoId && hops < 10; hops++) cur = byId.get(cur.mergedIntoId) ?? cur;
    return cur;
  };
  const byName = new Map<string, { stated: IndexedCustomer; as: IndexedCustomer }[]>();
  const byPhone = new Map<string, IndexedCustomer>();
  // The fuzzy lookup's index: the live customers by number (0…n-1), their bigrams, and each bigram's list of
  // numbers. `similar` runs once per imported row over up to thousands of candidates, so it allocates nothing per
  // candidate: "already looked at" is a stamp per customer number rather than a Set per call.
  const live: IndexedCustomer[] = [];
  const gramsOf: string[][] = [];
  const byGram = new Map<string, number[]>();
  for (const [i, r] of rows.entries()) {
    if (i % INDEX_PAGE === INDEX_PAGE - 1) await turn();
    const as = survivor(r);
    const named = byName.get(r.normalisedName);
    if (named) named.push({ stated: r, as });
    else byName.set(r.normalisedName, [{ stated: r, as }]);
    if (r.phoneNormalised) byPhone.set(r.phoneNormalised, as);
    if (r.mergedIntoId) continue;
    const n = live.push(r) - 1;
    const grams = nameGrams(r.normalisedName);
    gramsOf.push(grams);
    for (const g of grams) {
      const list = byGram.get(g);
      if (list) list.push(n);
      else byGram.set(g, [n]);
    }
  }
  const looked = new Uint32Array(live.length);
  let lookup = 0;
  return {
    /** The customer this name already is: same key and no two different stated places (see findDuplicate). */
    sameName(name: string, key: string): IndexedCustomer | undefined {
      const mine = regionsOf(name);
      return byName.get(key)?.find(({ stated }) => {
        const theirs = regionsOf(stated.name);
        return mine.length === 0 || theirs.length === 0 || theirs.some((x) => mine.includes(x));
      })?.as;
    },
    byPhone,
    similar(key: string): { c: IndexedCustomer; match: NameMatch } | undefined {
      let best: { c: IndexedCustomer; match: NameMatch } | undefined;
      lookup++;
      // Narrowed by the same grams as findSimilarCustomers (not the trade words thousands of customers share).
      const mine = new Set(nameGrams(key));
      for (const g of searchGrams(key)) {
        const list = byGram.get(g);
        if (!list) continue;
        for (const n of list) {
          if (looked[n] === lookup) continue;
          looked[n] = lookup;
          // compareKeys only where it can match: one key contains the other, or enough shared bigrams for
          // SIMILAR_DICE (counted here on the stored grams; most candidates of a 20,000-customer index stop here).
          const grams = gramsOf[n]!;
          const theirs = live[n]!.normalisedName;
          if (!key.includes(theirs) && !theirs.includes(key)) {
            // Even all of the shorter one's bigrams shared would not reach SIMILAR_DICE: no need to count.
            if (2 * Math.min(mine.size, grams.length) < SIMILAR_DICE * (mine.size + grams.length)) continue;
            let shared = 0;
            for (const x of grams) if (mine.has(x)) shared++;
            if (2 * shared < SIMILAR_DICE * (mine.size + grams.length)) continue;
          }
          const match = compareKeys(key, theirs);
          if (match && (!best || match.score > best.match.score)) best = { c: live[n]!, match };
        }
      }
      return best;
    },
  };
}
export type CustomerIndex = Awaited<ReturnType<typeof customerIndex>>;

export const customerShortId = (c: Pick<Customer, 'shortNo'>) => shortId('customer', c.shortNo);

/** Customers the actor may see matching a short id (C-12), a phone, or a fuzzy name. */
export async function findCustomers(ctx: Ctx, ref: string): Promise<Customer[]> {
  const owners = await visibleOwnerIds(ctx);
  const waiting = owners === null ? [] : (await awaitingMyDecision(ctx)).customerIds;
  const visible = and(eq(customers.tenantId, ctx.actor.tenantId), customerViewFilter(owners, waiting));
  const base = and(visible, isNull(customers.mergedIntoId));
  const no = parseShortId(ref, 'customer');
  if (no !== undefined) {
    const found = await ctx.db.select().from(customers).where(and(visible, eq(customers.shortNo, no)));
    const merged = found.find((c) => c.mergedIntoId);
    if (merged) {
      const survivor = await followMerges(ctx, merged);
      throw new DomainError('MERGED', `${customerShortId(merged)} 已合并到 ${customerShortId(survivor)}，请改用 ${customerShortId(survivor)}。`);
    }
    return found;
  }
  const phone = normalisePhone(ref);
  if (phone) {
    const byPhone = await ctx.db.select().from(customers).where(and(base, eq(customers.phoneNormalised, phone)));
    if (byPhone.length > 0) return byPhone;
  }
  const [key = ref.trim().toLowerCase(), loose] = lookupKeys(ref).filter((k) => k !== '');
  const exact = await ctx.db.select().from(customers).where(and(base, eq(customers.normalisedName, key)));
  if (exact.length > 0) return exact;
  const contains = (k: string) => sql`(position(${k} in ${customers.normalisedName}) > 0 or position(${customers.normalisedName} in ${k}) > 0)`;
  return ctx.db
    .select()
    .from(customers)
    .where(and(base, loose ? or(contains(key), contains(loose)) : contains(key)))
    .orderBy(desc(customers.updatedAt))
    .limit(9);
}

export async function getCustomer(ctx: Ctx, id: string): Promise<Customer | undefined> {
  const [c] = await ctx.db.select().from(customers).where(eq(customers.id, id)).limit(1);
  return c;
}
