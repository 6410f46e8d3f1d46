// Claiming a scheduled run's (job, slot) once across every instance sharing the database.
import { schedulerRuns } from '../db/schema/index.js';
import type { DbOrTx } from '../db/client.js';

export async function claimSlot(db: DbOrTx, job: string, slot: string, instanceId: string): Promise<boolean> {
  const rows = await db
    .insert(schedulerRuns)
    .values({ job, slot, claimedBy: instanceId })
    .onConflictDoNothing()
    .returning({ job: schedulerRuns.job });
  return rows.length > 0;
}
