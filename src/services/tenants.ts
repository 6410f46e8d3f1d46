// Tenants: the default tenant created on first start, and mapping a platform's tenant key onto a tenant.
import { and, asc, eq } from 'drizzle-orm';
import type { Platform } from '../adapter.js';
import type { DbOrTx } from '../db/client.js';
import { tenantIdentities, tenants } from '../db/schema/index.js';

export interface TenantRow {
  id: string;
  name: string;
  timeZone: string;
  settings: unknown;
}

export async function ensureDefaultTenant(db: DbOrTx, opts: { name: string; timeZone: string }): Promise<TenantRow> {
  const [first] = await db.select().from(tenants).orderBy(asc(tenants.createdAt)).limit(1);
  if (first) return first;
  const [created] = await db.insert(tenants).values({ name: opts.name, timeZone: opts.timeZone }).returning();
  return created!;
}

/**
 * Finds the tenant for a platform tenant key. An unknown key is attached to the default tenant: a deployment
 * serves one company per configured app, so the first key seen on each platform belongs to it.
 */
export async function resolveTenant(
  db: DbOrTx,
  platform: Platform,
  tenantKey: string,
  defaults: { name: string; timeZone: string },
): Promise<TenantRow> {
  const found = await db
    .select({ t: tenants })
    .from(tenantIdentities)
    .innerJoin(tenants, eq(tenants.id, tenantIdentities.tenantId))
    .where(and(eq(tenantIdentities.platform, platform), eq(tenantIdentities.tenantKey, tenantKey)))
    .limit(1);
  if (found[0]) return found[0].t;
  const tenant = await ensureDefaultTenant(db, defaults);
  await db.insert(tenantIdentities).values({ tenantId: tenant.id, platform, tenantKey }).onConflictDoNothing();
  return tenant;
}
