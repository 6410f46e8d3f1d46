// Customers (deduplicated per tenant by normalised name and phone) and their contacts.
import { sql } from 'drizzle-orm';
import { type AnyPgColumn, index, integer, pgTable, smallint, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, ts, updatedAt } from './columns.js';
import { customerGrade, customerStatus } from './enums.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

export const customers = pgTable(
  'customers',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    /** Short human number per tenant: C-12. */
    shortNo: integer('short_no').notNull(),
    name: text('name').notNull(),
    /**
     * Dedup key from src/domain/names.ts normaliseCompanyName. Not unique: keys computed by an older version of
     * the function may collide once recomputed, so createCustomer serialises creates per key with an advisory lock.
     */
    normalisedName: text('normalised_name').notNull(),
    /** Character bigrams of normalisedName (nameGrams), GIN-indexed for the "maybe the same company" lookup. */
    nameGrams: text('name_grams').array().notNull().default(sql`'{}'::text[]`),
    /** NAME_KEY_VERSION the two columns above were computed with; older rows are recomputed at start-up. */
    nameKeyVersion: smallint('name_key_version').notNull().default(0),
    phone: text('phone'),
    /** Dedup key from normalisePhone: digits only, +86 stripped. */
    phoneNormalised: text('phone_normalised'),
    region: text('region'),
    industry: text('industry'),
    size: text('size'),
    sourceChannel: text('source_channel'),
    grade: customerGrade('grade'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    status: customerStatus('status').notNull().default('prospect'),
    /** Null while the customer waits in the lead pool (公海); see src/services/pool.ts. */
    ownerId: uuid('owner_id').references(() => users.id),
    /** When the current owner got it (rule, /分配, /领取): the golden-response clock (src/services/golden-response.ts). */
    assignedAt: ts('assigned_at'),
    /** When it last entered the pool (null while owned). */
    pooledAt: ts('pooled_at'),
    /** Who it was recycled from (回收): that rep may not claim it back for pool.reclaimBlockDays. */
    releasedFromId: uuid('released_from_id').references(() => users.id),
    /** Set while the customer waits in a handover pool (离职交接). */
    handoverId: uuid('handover_id'),
    lastActivityAt: ts('last_activity_at'),
    /** Set by /合并: this customer's records moved to that one; it stays for the audit trail but is never listed. */
    mergedIntoId: uuid('merged_into_id').references((): AnyPgColumn => customers.id),
    mergedAt: ts('merged_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('customers_tenant_short_no').on(t.tenantId, t.shortNo),
    index('customers_tenant_normalised_name').on(t.tenantId, t.normalisedName),
    index('customers_name_grams').using('gin', t.nameGrams),
    uniqueIndex('customers_tenant_phone')
      .on(t.tenantId, t.phoneNormalised)
      .where(sql`${t.phoneNormalised} is not null`),
    index('customers_tenant_owner').on(t.tenantId, t.ownerId),
    // /公海 lists a tenant's pool newest first; the partial index holds only pool rows.
    index('customers_pool')
      .on(t.tenantId, t.pooledAt)
      .where(sql`${t.ownerId} is null and ${t.mergedIntoId} is null`),
    // Golden response and recycling scan owned customers by the clock they test.
    index('customers_owned_assigned')
      .on(t.tenantId, t.assignedAt)
      .where(sql`${t.ownerId} is not null and ${t.assignedAt} is not null`),
    index('customers_owned_activity')
      .on(t.tenantId, t.lastActivityAt)
      .where(sql`${t.ownerId} is not null and ${t.mergedIntoId} is null`),
  ],
);

export const contacts = pgTable(
  'contacts',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    name: text('name').notNull(),
    title: text('title'),
    /** 决策人 / 影响者 / 使用者 / 采购 … free text. */
    decisionRole: text('decision_role'),
    phone: text('phone'),
    createdAt: createdAt(),
  },
  (t) => [index('contacts_customer').on(t.customerId)],
);
