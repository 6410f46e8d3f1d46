// Creating many customers at once (a CSV import batch) with createCustomer's rules and columns, in a few
// statements instead of five per customer: the same per-name advisory locks, a re-check of the batch's names and
// phones against the database inside the transaction (a colleague may have typed /新客户 meanwhile), one block of
// short numbers, one multi-row insert, one multi-row audit insert. Must not import the outbox or the scheduler.
import { and, eq, gte, lte, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { at } from '../db/rows.js';
import { customers } from '../db/schema/index.js';
import { cityPrefixOf, normalisePhone } from '../domain/names.js';
import { assertFieldFits } from '../domain/text-gate.js';
import { reserveShortNos } from './counters.js';
import { customerIndex, customerShortId, nameColumns, type Customer, type NewCustomerInput } from './customers.js';

export interface BatchCustomer {
  input: NewCustomerInput;
  /** null: a pool entry (公海), as createCustomer's `ownerId: null`. */
  ownerId: string | null;
}

export interface BatchOptions {
  /** Who the audit rows name for pool entries (an owned row's actor is its owner). */
  actorId?: string;
  /** Runs in the batch's transaction after the rows are written, with the pool entries it created (the assignment rules). */
  afterPool?: (tx: DbOrTx, created: Customer[]) => Promise<void>;
}

export type BatchOutcome =
  | { created: true; customer: Customer }
  | { created: false; matchedBy: 'name' | 'phone'; code: string; existingName: string; ownerName: string };

/**
 * Creates the rows that are still new, in one transaction; the rest answer with the customer they already are.
 * Rows must already be checked (lengths, phone) and distinct within the batch — the import's plan does both; a
 * row that fails a check here is a bug and aborts the batch.
 */
/** Rows per insert statement within a batch's transaction. */
const INSERT_ROWS = 100;

export async function createCustomersBatch(db: Db, tenantId: string, rows: BatchCustomer[], now: Date, opts: BatchOptions = {}): Promise<BatchOutcome[]> {
  if (rows.length === 0) return [];
  const prepared = rows.map(({ input, ownerId }) => {
    const name = input.name.trim();
    for (const [field, v] of [['companyName', name], ['phone', input.phone], ['region', input.region], ['industry', input.industry], ['source', input.sourceChannel]] as const) assertFieldFits(field, v);
    for (const tag of input.tags ?? []) assertFieldFits('tag', tag);
    const phoneNormalised = input.phone ? normalisePhone(input.phone) : undefined;
    if (input.phone && !phoneNormalised) throw new Error(`import batch: unchecked phone ${input.phone}`);
    return { input, ownerId, name, keys: nameColumns(name), phoneNormalised };
  });
  return db.transaction(async (tx) => {
    // The same locks createCustomer takes, in one sorted order so two batches can never wait on each other.
    const lockKeys = [...new Set(prepared.map((p) => `customer-name:${tenantId}:${p.keys.normalisedName}`))].sort();
    await tx.execute(sql`select count(pg_advisory_xact_lock(hashtext(k))) from unnest(array[${sql.join(lockKeys.map((k) => sql`${k}`), sql`, `)}]::text[]) as k`);
    const index = await customerIndex(tx, tenantId, {
      names: [...new Set(prepared.map((p) => p.keys.normalisedName))],
      phones: [...new Set(prepared.flatMap((p) => (p.phoneNormalised ? [p.phoneNormalised] : [])))],
    });
    const outcomes: (BatchOutcome | undefined)[] = prepared.map((p) => {
      const byName = index.sameName(p.name, p.keys.normalisedName);
      const byPhone = p.phoneNormalised ? index.byPhone.get(p.phoneNormalised) : undefined;
      const found = byPhone ?? byName;
      return found ? { created: false, matchedBy: byPhone ? 'phone' : 'name', code: customerShortId(found), existingName: found.name, ownerName: found.ownerName } : undefined;
    });
    const fresh = prepared.flatMap((p, i) => (outcomes[i] ? [] : [{ p, i }]));
    if (fresh.length === 0) return outcomes as BatchOutcome[];
    const first = await reserveShortNos(tx, tenantId, 'customer', fresh.length);
    const last = first + fresh.length - 1;
    // One JSON parameter for the whole batch, not a parameter per cell: building thousands of parameters was
    // most of the client's time per batch.
    const values = fresh.map(({ p }, k) => ({
      short_no: first + k,
      name: p.name,
      normalised_name: p.keys.normalisedName,
      name_grams: p.keys.nameGrams,
      name_key_version: p.keys.nameKeyVersion,
      phone: p.input.phone?.trim() ?? null,
      phone_normalised: p.phoneNormalised ?? null,
      region: p.input.region ?? cityPrefixOf(p.name) ?? null,
      industry: p.input.industry ?? null,
      grade: p.input.grade ?? null,
      source_channel: p.input.sourceChannel ?? null,
      tags: p.input.tags ?? [],
      owner_id: p.ownerId,
      pooled_at: p.ownerId === null ? now.toISOString() : null,
    }));
    // In statements of INSERT_ROWS: PGlite runs each statement on the server's own thread, and a 500-row insert
    // (with the name-gram index) held the event loop ~120 ms; between statements the loop can answer others.
    for (let k = 0; k < values.length; k += INSERT_ROWS) await insertRows(values.slice(k, k + INSERT_ROWS));
    async function insertRows(chunk: typeof values) {
      await tx.execute(sql`
      insert into customers (tenant_id, short_no, name, normalised_name, name_grams, name_key_version, phone, phone_normalised,
                             region, industry, grade, source_channel, tags, owner_id, pooled_at, created_at, updated_at)
      select ${tenantId}::uuid, x.short_no, x.name, x.normalised_name, x.name_grams, x.name_key_version, x.phone, x.phone_normalised,
             x.region, x.industry, x.grade::customer_grade, x.source_channel, x.tags, x.owner_id, x.pooled_at, ${at(now)}, ${at(now)}
      from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as x(short_no int, name text, normalised_name text, name_grams text[],
           name_key_version smallint, phone text, phone_normalised text, region text, industry text, grade text, source_channel text,
           tags text[], owner_id uuid, pooled_at timestamptz)
      -- A phone taken between the re-check and here (only a create that does not lock by name can): that row is
      -- looked up below and reported as existing (its reserved number stays unused).
      on conflict do nothing`);
    }
    const inserted = await tx
      .select()
      .from(customers)
      .where(and(eq(customers.tenantId, tenantId), gte(customers.shortNo, first), lte(customers.shortNo, last)));
    const byShortNo = new Map(inserted.map((c) => [c.shortNo, c]));
    const lost: number[] = [];
    fresh.forEach(({ i }, k) => {
      const c = byShortNo.get(first + k);
      if (c) outcomes[i] = { created: true, customer: c };
      else lost.push(i);
    });
    if (lost.length > 0) {
      const again = await customerIndex(tx, tenantId, { names: [], phones: lost.map((i) => prepared[i]!.phoneNormalised!) });
      for (const i of lost) {
        const c = again.byPhone.get(prepared[i]!.phoneNormalised!)!;
        outcomes[i] = { created: false, matchedBy: 'phone', code: customerShortId(c), existingName: c.name, ownerName: c.ownerName };
      }
    }
    if (inserted.length > 0) {
      // The audit rows createCustomer writes (after = the row as the application reads it), a statement per INSERT_ROWS.
      for (let k = 0; k < inserted.length; k += INSERT_ROWS) {
        await tx.execute(sql`
          insert into audit_log (tenant_id, actor_id, action, entity_type, entity_id, after, created_at)
          select ${tenantId}::uuid, coalesce((x->>'ownerId')::uuid, ${opts.actorId ?? null}::uuid), 'customer.create', 'customer', x->>'id', x, ${at(now)}
          from jsonb_array_elements(${JSON.stringify(inserted.slice(k, k + INSERT_ROWS))}::jsonb) as x`);
      }
    }
    const pool = inserted.filter((c) => c.ownerId === null).sort((a, b) => a.shortNo - b.shortNo);
    if (pool.length > 0 && opts.afterPool) await opts.afterPool(tx, pool);
    return outcomes as BatchOutcome[];
  });
}
