// Payment collection (回款) rules, pure: a plan typed as shares (30% or 5万) becomes instalments in exact fen that
// sum to the deal amount; received money is applied to the instalments in order; what is outstanding and overdue.
import { DomainError } from './errors.js';
import { formatFen } from './money.js';

/** One typed share of a plan: a percentage (basis points) or an amount in fen, due on a local day (YYYY-MM-DD). */
export type PlanShare = { dueOn: string } & ({ basisPoints: number } | { amountFen: number });

export interface Instalment {
  seq: number;
  dueOn: string;
  amountFen: number;
}

/** At most this many instalments per plan (a monthly plan over three years). */
export const MAX_INSTALMENTS = 36;

/**
 * The instalments of a plan on a deal of `dealFen`. Percentages are exact: each is rounded down to the fen and the
 * rounding remainder (less than a fen per percentage) goes to the last percentage instalment, so a 100% plan always
 * sums to the deal amount. Anything else that does not sum to the deal amount is refused with the difference.
 */
export function planInstalments(shares: readonly PlanShare[], dealFen: number): Instalment[] {
  if (shares.length === 0) throw new DomainError('INVALID_INPUT', '请写上每一期的比例或金额和日期，例如：30% 12-31 70% 2027-03-31');
  if (shares.length > MAX_INSTALMENTS) throw new DomainError('INVALID_INPUT', `回款计划最多 ${MAX_INSTALMENTS} 期（收到 ${shares.length} 期）。`);
  for (let i = 1; i < shares.length; i++) {
    if (shares[i]!.dueOn < shares[i - 1]!.dueOn) {
      throw new DomainError('INVALID_INPUT', `第 ${i + 1} 期的日期 ${shares[i]!.dueOn} 早于第 ${i} 期的 ${shares[i - 1]!.dueOn}，请按时间先后写。`);
    }
  }
  const amounts = shares.map((s) => ('amountFen' in s ? s.amountFen : Math.floor((dealFen * s.basisPoints) / 10_000)));
  const percentIdx = shares.flatMap((s, i) => ('basisPoints' in s ? [i] : []));
  const bpTotal = shares.reduce((a, s) => a + ('basisPoints' in s ? s.basisPoints : 0), 0);
  const fixedTotal = shares.reduce((a, s) => a + ('amountFen' in s ? s.amountFen : 0), 0);
  let total = amounts.reduce((a, b) => a + b, 0);
  const remainder = dealFen - total;
  // Rounding only: the percentages' exact value (deal × bp ÷ 10000) is within a fen of what the amounts leave.
  const exactGap = Math.abs(dealFen * bpTotal - (dealFen - fixedTotal) * 10_000);
  if (percentIdx.length > 0 && remainder > 0 && exactGap < 10_000) {
    amounts[percentIdx.at(-1)!]! += remainder;
    total = dealFen;
  }
  if (total !== dealFen) {
    const diff = total - dealFen;
    const pct = percentIdx.length > 0 ? `（比例合计 ${bpTotal / 100}%）` : '';
    throw new DomainError(
      'INVALID_INPUT',
      `各期合计 ${formatFen(total)}${pct}，商机金额是 ${formatFen(dealFen)}，${diff > 0 ? '多了' : '还差'} ${formatFen(Math.abs(diff))}。请调整后重发。`,
    );
  }
  amounts.forEach((a, i) => {
    if (a <= 0) throw new DomainError('INVALID_INPUT', `第 ${i + 1} 期的金额必须大于零。`);
  });
  return shares.map((s, i) => ({ seq: i + 1, dueOn: s.dueOn, amountFen: amounts[i]! }));
}

export interface InstalmentStatus extends Instalment {
  /** Of this instalment, how much the receipts so far cover (applied in order). */
  receivedFen: number;
  outstandingFen: number;
  /** Due before `today` and not fully covered. */
  overdue: boolean;
}

export interface CollectionStatus {
  planFen: number;
  receivedFen: number;
  outstandingFen: number;
  overdueFen: number;
  instalments: InstalmentStatus[];
}

/** Receipts applied to the instalments in order; `today` is the local day (YYYY-MM-DD), `dealFen` the amount owed. */
export function collectionStatus(instalments: readonly Instalment[], receivedFen: number, dealFen: number, today: string): CollectionStatus {
  let left = receivedFen;
  const rows = [...instalments]
    .sort((a, b) => a.seq - b.seq)
    .map((i) => {
      const applied = Math.min(left, i.amountFen);
      left -= applied;
      const outstandingFen = i.amountFen - applied;
      return { ...i, receivedFen: applied, outstandingFen, overdue: outstandingFen > 0 && i.dueOn < today };
    });
  const planFen = instalments.length > 0 ? rows.reduce((a, r) => a + r.amountFen, 0) : dealFen;
  return {
    planFen,
    receivedFen,
    outstandingFen: Math.max(0, planFen - receivedFen),
    overdueFen: rows.filter((r) => r.overdue).reduce((a, r) => a + r.outstandingFen, 0),
    instalments: rows,
  };
}

/** `83%` of a ratio of two fen amounts, in whole percent (integer arithmetic); null when nothing was planned. */
export function percentOf(partFen: number, wholeFen: number): number | null {
  if (wholeFen <= 0) return null;
  return Math.floor((partFen * 100 + Math.floor(wholeFen / 2)) / wholeFen);
}
