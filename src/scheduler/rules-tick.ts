// One pass of every watcher rule for every tenant. Works from the database alone, so a missed or repeated tick
// catches up instead of losing or doubling work (each alert is claimed once in the nudges table).
import type { Db } from '../db/client.js';
import { scanApprovalReminders, scanNewLeads, scanSilentQuotes, scanStagnantDeals } from '../services/alerts.js';
import { scanHandoverReminders } from './handover-reminders.js';
import { scanEscalations, scanOverdueDeals } from '../services/nudges.js';
import { scanPaymentEscalations, scanPaymentsDue } from '../services/collection-reminders.js';
import { allTenantRules } from '../services/tenant-settings.js';

export interface TickResult {
  overdue: number;
  escalations: number;
  newLeads: number;
  stagnant: number;
  silentQuotes: number;
  approvalReminders: number;
  handoverReminders: number;
  paymentsDue: number;
  paymentEscalations: number;
}

export async function runRulesTick(db: Db, now: Date): Promise<TickResult> {
  const total: TickResult = { overdue: 0, escalations: 0, newLeads: 0, stagnant: 0, silentQuotes: 0, approvalReminders: 0, handoverReminders: 0, paymentsDue: 0, paymentEscalations: 0 };
  for (const tenant of await allTenantRules(db)) {
    total.escalations += await scanEscalations(db, tenant, now);
    total.overdue += await scanOverdueDeals(db, tenant, now);
    total.newLeads += await scanNewLeads(db, tenant, now);
    total.stagnant += await scanStagnantDeals(db, tenant, now);
    total.silentQuotes += await scanSilentQuotes(db, tenant, now);
    total.approvalReminders += await scanApprovalReminders(db, tenant, now);
    total.handoverReminders += await scanHandoverReminders(db, tenant, now);
    total.paymentEscalations += await scanPaymentEscalations(db, tenant, now);
    total.paymentsDue += await scanPaymentsDue(db, tenant, now);
  }
  return total;
}
