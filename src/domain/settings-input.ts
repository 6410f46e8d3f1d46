// Rule values as an admin types them, read the same way by /设置 in chat and by the dashboard's rules screen:
// amounts as 5万 or 50000, discounts as 5% (or 95折), hours and days as a positive number, counts and days of the
// pool, after the win and collection as whole numbers within the schema's bounds, and working / quiet hours that
// make sense together. Each refusal is the Chinese sentence both show. Pure: no database, no platform.
import { z } from 'zod';
import { parseAmountToFen, parsePercent } from './money.js';
import { tenantSettingsSchema, type TenantSettings } from './settings.js';

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

/** A reminder timing in days (more than 0; stagnant deal, silent quote). */
export function readDays(text: string): ReadResult<number> {
  const n = Number.parseFloat(text.normalize('NFKC'));
  return Number.isFinite(n) && n > 0 ? { ok: true, value: n } : { ok: false, message: `请写大于 0 的天数（收到「${text}」）。` };
}

/** The settings held as whole numbers in a range (the schema's own bounds), and what each counts. */
const WHOLE = {
  pool: { claimsPerDay: '个数', maxOpenLeads: '个数', recycleDays: '天数', recycleWarnDays: '天数', reclaimBlockDays: '天数', goldenMinutes: '分钟数' },
  afterWin: { visitDays: '天数', winBackDays: '天数' },
  collection: { escalateAfterDays: '天数' },
} as const satisfies { [S in keyof TenantSettings]?: { [K in keyof TenantSettings[S]]?: string } };
type WholeSection = keyof typeof WHOLE;

/** The bounds `tenantSettingsSchema` puts on one number (through its default and the section's prefault). */
function boundsOf(section: WholeSection, key: string): { min: number; max: number } {
  const inner = (s: z.ZodType): z.ZodType => (s instanceof z.ZodDefault || s instanceof z.ZodPrefault ? inner(s.def.innerType as z.ZodType) : s);
  const obj = inner(tenantSettingsSchema.shape[section]) as z.ZodObject;
  const n = inner(obj.shape[key] as z.ZodType) as z.ZodNumber;
  return { min: n.minValue ?? 0, max: n.maxValue ?? Number.MAX_SAFE_INTEGER };
}

/**
 * A whole number within the schema's bounds for pool, after-the-win and collection settings (`/设置 公海`, `/设置 回访`,
 * `/设置 回款` and the rules screen): 30 or 30天, 10个, 30分钟. The refusal names the range.
 */
export function readWhole<S extends WholeSection>(section: S, key: keyof (typeof WHOLE)[S] & string, text: string): ReadResult<number> {
  const { min, max } = boundsOf(section, key);
  const m = /^(\d{1,7})\s*(天|日|个|分钟|分)?$/u.exec(text.normalize('NFKC').trim());
  const n = m ? Number(m[1]) : Number.NaN;
  if (Number.isInteger(n) && n >= min && n <= max) return { ok: true, value: n };
  return { ok: false, message: `请写 ${min}–${max} 的${(WHOLE[section] as Record<string, string>)[key]}（收到「${text}」）。` };
}

type Hours = { start: number; end: number; days: number[] };
export type HoursField = 'workEnd' | 'workDays' | 'quietEnd';

/** Working hours need a day and an end after the start; quiet hours may wrap midnight (21–8) but not be empty. */
export function checkHours(working: Hours, quiet: Hours & { enabled: boolean }): { field: HoursField; message: string } | undefined {
  if (working.days.length === 0) return { field: 'workDays', message: '请至少选一个工作日。' };
  if (working.end <= working.start) return { field: 'workEnd', message: `下班时间要晚于上班时间（收到 ${working.start} 点到 ${working.end} 点）。` };
  if (quiet.enabled && quiet.start === quiet.end) return { field: 'quietEnd', message: `免打扰的开始和结束不能都是 ${quiet.start} 点；不需要免打扰请关闭它。` };
  return undefined;
}

type QuoteDocument = TenantSettings['quoteDocument'];
export type QuoteDocumentField = 'header' | 'lines' | 'terms' | 'validityDays';

const tooLong = (what: string, max: number, v: string): string | undefined =>
  Array.from(v).length > max ? `${what}最多 ${max} 个字（现在 ${Array.from(v).length} 个），请写短一些。` : undefined;

/**
 * One part of the PDF quote as typed (/设置 报价单 抬头|信息|条款|有效期, the rules screen): the letterhead (empty →
 * the company's name), the lines under it (separated by ｜, | or a new line), the terms (｜ or a new line between
 * clauses) and how many days a price holds.
 */
export function readQuoteDocument<F extends QuoteDocumentField>(field: F, text: string): ReadResult<QuoteDocument[F]> {
  const value = text.trim();
  const ok = (v: unknown) => ({ ok: true as const, value: v as QuoteDocument[F] });
  const refuse = (message: string) => ({ ok: false as const, message });
  if (field === 'header') return tooLong('抬头', 60, value) ? refuse(tooLong('抬头', 60, value)!) : ok(value);
  if (field === 'lines') {
    const lines = value.split(/\s*[|｜\n]\s*/).filter(Boolean);
    if (lines.length > 6) return refuse(`信息最多 6 行（现在 ${lines.length} 行），行与行之间用 ｜ 隔开。`);
    for (const l of lines) if (tooLong('每行信息', 100, l)) return refuse(tooLong('每行信息', 100, l)!);
    return ok(lines);
  }
  if (field === 'terms') {
    const terms = value.replace(/[ \t]*[|｜][ \t]*/g, '\n');
    return tooLong('条款', 600, terms) ? refuse(tooLong('条款', 600, terms)!) : ok(terms);
  }
  const days = /^(\d{1,3})\s*(天|日|days?)?$/i.exec(value.normalize('NFKC'));
  if (!days || Number(days[1]) < 1 || Number(days[1]) > 365) return refuse(`有效期写成天数（1–365），例如 30天（收到「${text}」）。`);
  return ok(Number(days[1]));
}
