// Rule values as an admin types them, read the same way by /设置 in chat and by the dashboard's rules screen:
// amounts as 5万 or 50000, discounts as 5% (or 95折), hours as a positive number. Each refusal is the Chinese
// sentence both show. Pure: no database, no platform.
import { parseAmountToFen, parsePercent } from './money.js';

export type ReadResult<T> = { ok: true; value: T } | { ok: false; message: string };

export type ApprovalValue = { financeTechMinFen: number } | { directorDiscountBp: number };

/** One approval threshold: a discount when it ends in % or 折, else an amount. */
export function readApprovalValue(text: string): ReadResult<ApprovalValue> {
  const pct = /[%％折]$/.test(text.trim()) ? parsePercent(text) : { ok: false as const };
  if (pct.ok) return { ok: true, value: { directorDiscountBp: pct.basisPoints } };
  const amt = parseAmountToFen(text);
  if (amt.ok) return { ok: true, value: { financeTechMinFen: amt.fen } };
  return { ok: false, message: `看不懂「${text}」：金额写成 5万，折扣写成 5%。` };
}

/** A reminder timing in hours (more than 0). */
export function readHours(text: string): ReadResult<number> {
  const n = Number.parseFloat(text.normalize('NFKC'));
  return Number.isFinite(n) && n > 0 ? { ok: true, value: n } : { ok: false, message: `请写大于 0 的小时数（收到「${text}」）。` };
}
