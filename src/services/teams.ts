// Teams of a tenant: listing them and making sure one exists by name (the people import creates teams it names).
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { teams } from '../db/schema/index.js';

export async function listTeams(db: DbOrTx, tenantId: string): Promise<{ id: string; name: string }[]> {
  return db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.tenantId, tenantId));
}

/** The id of the tenant's team called `name`, created when missing; a team created meanwhile is used, not duplicated. */
export async function ensureTeam(db: DbOrTx, tenantId: string, name: string): Promise<string> {
  const [t] = await db.insert(teams).values({ tenantId, name }).onConflictDoNothing().returning({ id: teams.id });
  if (t) return t.id;
  return (await db.select({ id: teams.id }).from(teams).where(and(eq(teams.tenantId, tenantId), eq(teams.name, name))))[0]!.id;
}
