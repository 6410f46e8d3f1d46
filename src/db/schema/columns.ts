// Shared column builders: timestamps (always timestamptz) and money (integer fen, never a float).
import { bigint, timestamp, uuid } from 'drizzle-orm/pg-core';

export const id = () => uuid('id').primaryKey().defaultRandom();
export const tenantId = () => uuid('tenant_id').notNull();
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
export const createdAt = () => ts('created_at').notNull().defaultNow();
export const updatedAt = () => ts('updated_at').notNull().defaultNow();
/** Money in fen (分); bigint in SQL, number in TS (safe up to 9e15 fen). */
export const fen = (name: string) => bigint(name, { mode: 'number' });
