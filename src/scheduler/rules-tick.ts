// One pass of every watcher rule for every tenant. Works from the database alone, so a missed or repeated tick
// catches up instead of losing or doubling work (each alert is claimed once in the nudges table).
import type { Db } from '../db/client.js';
import { scanApprovalReminders, scanNewLeads, scanSilentQuotes, scanStagnantDeals } from '../services/alerts.js';
import { scanHandoverReminders } from './handover-reminders.js';
import { scanEscalations, scanOverdueDeals } from '../services/nudges.js';
import { scanGoldenResponse } from '../services/golden-response.js';
import { scanRecycling } from '../services/recycling.js';
import { scanAfterWin } from '../services/after-win.js';
import { allTenantRules } from '../services/tenant-settings.js';

export interface TickResult {
  overdue: number;
  escalations: number;
  newLeads: number;
  stagnant: number;
  silentQuotes: number;
  approvalReminders: number;
  handoverReminders: number;
  goldenReminders: number;
  goldenEscalations: number;
  recycleWarnings: number;
  recycled: number;
  visitReminders: number;
  winBacks: number;
}

export async function runRulesTick(db: Db, now: Date): Promise<TickResult> {
  const total: TickResult = { overdue: 0, escalations: 0, newLeads: 0, stagnant: 0, silentQuotes: 0, approvalReminders: 0, handoverReminders: 0,
    goldenReminders: 0, goldenEscalations: 0, recycleWarnings: 0, recycled: 0, visitReminders: 0, winBacks: 0 };
  for (const tenant of await allTenantRules(db)) {
    total.escalations += await scanEscalations(db, tenant, now);
    total.overdue += await scanOverdueDeals(db, tenant, now);
    total.newLeads += await scanNewLeads(db, tenant, now);
    total.stagnant += await scanStagnantDeals(db, tenant, now);
    total.silentQuotes += await scanSilentQuotes(db, tenant, now);
    total.approvalReminders += await scanApprovalReminders(db, tenant, now);
    total.handoverReminders += await scanHandoverReminders(db, tenant, now);
    const golden = await scanGoldenResponse(db, tenant, now);
    total.goldenReminders += golden.reminders;
    total.goldenEscalations += golden.escalations;
    const recycling = await scanRecycling(db, tenant, now);
    total.recycleWarnings += recycling.warnings;
    total.recycled += recycling.recycled;
    const afterWin = await scanAfterWin(db, tenant, now);
    total.visitReminders += afterWin.visits;
    total.winBacks += afterWin.winBacks;
  }
  return total;
}
