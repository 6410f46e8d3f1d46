// Tenants with their parsed settings, for scheduled scans that run per tenant.
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
