// Customers (deduplicated per tenant by normalised name and phone) and their contacts.
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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
    /** Dedup key from src/domain/names.ts normaliseCompanyName. */
    normalisedName: text('normalised_name').notNull(),
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
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    /** Set while the customer waits in a handover pool (离职交接). */
    handoverId: uuid('handover_id'),
    lastActivityAt: ts('last_activity_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('customers_tenant_short_no').on(t.tenantId, t.shortNo),
    unique('customers_tenant_normalised_name').on(t.tenantId, t.normalisedName),
    uniqueIndex('customers_tenant_phone')
      .on(t.tenantId, t.phoneNormalised)
      .where(sql`${t.phoneNormalised} is not null`),
    index('customers_tenant_owner').on(t.tenantId, t.ownerId),
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
