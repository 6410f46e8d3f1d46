// Tenants with their parsed settings, for scheduled scans that run per tenant, and one tenant's settings
// for services that apply per-tenant rules (e.g. the pipeline's stage labels and exit criteria).
import { eq } from 'drizzle-orm';
import { tenants } from '../db/schema/index.js';
import type { DbOrTx } from '../db/client.js';
import { readSettings, type TenantSettings } from '../domain/settings.js';

export interface TenantRules {
  id: string;
  name: string;
  timeZone: string;
  settings: TenantSettings;
}

export async function allTenantRules(db: DbOrTx): Promise<TenantRules[]> {
  const rows = await db.select().from(tenants);
  return rows.map((t) => ({ id: t.id, name: t.name, timeZone: t.timeZone, settings: readSettings(t.settings) }));
}

/** One tenant's settings (defaults when the tenant or a key is missing). */
export async function tenantSettings(db: DbOrTx, tenantId: string): Promise<TenantSettings> {
  const [t] = await db.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
  return readSettings(t?.settings);
}

/** The tenant's pipeline rules: stage labels and exit criteria. */
export async function pipelineRules(db: DbOrTx, tenantId: string): Promise<TenantSettings['pipeline']> {
  return (await tenantSettings(db, tenantId)).pipeline;
}
