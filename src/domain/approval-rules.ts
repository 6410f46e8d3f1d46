// Approval routing rules: which roles must approve a quote, and when a request is finished. Pure rules; the
// decisions themselves (who may decide, recording them, updating every card) are src/services/approvals.ts.
import type { TenantSettings } from './settings.js';

export type ApproverRole = 'finance' | 'tech' | 'director' | 'manager';

export const APPROVER_ROLE_LABELS: Record<ApproverRole, string> = {
  finance: '财务',
  tech: '技术',
  director: '销售总监',
  manager: '直属上级',
};

/**
 * Rules combine: amount over the threshold → finance AND tech (parallel); discount over its threshold → director;
 * when neither applies, the rep's manager. "Over 5万" is strict: a quote of exactly 5万 goes to the manager.
 */
export function routeQuote(quote: { amountFen: number; discountBp: number }, rules: TenantSettings['approval']): ApproverRole[] {
  const roles: ApproverRole[] = [];
  if (quote.amountFen > rules.financeTechMinFen) roles.push('finance', 'tech');
  if (quote.discountBp > rules.directorDiscountBp) roles.push('director');
  return roles.length > 0 ? roles : ['manager'];
}

export type StepStatus = 'pending' | 'approved' | 'rejected' | 'skipped';

/** Every parallel step must approve; one rejection rejects the request. */
export function requestOutcome(steps: StepStatus[]): 'pending' | 'approved' | 'rejected' {
  if (steps.includes('rejected')) return 'rejected';
  if (steps.length > 0 && steps.every((s) => s === 'approved')) return 'approved';
  return 'pending';
}
