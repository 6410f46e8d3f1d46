// Money parsing and formatting: amounts become integer fen (分) with exact decimal arithmetic. Pure: no I/O.
import { DomainError } from './errors.js';

/**
 * Sanity cap for one deal or quote: ¥1,000,000,000 (10亿). A factory sales team's single order is far below it;
 * anything above is a typo (an extra 万, a pasted phone number) and is refused rather than stored.
 */
export const MAX_AMOUNT_FEN = 10 ** 11;
const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const UNIT_FEN_DIGITS: Record<string, number> = { '': 2, 元: 2, 块: 2, k: 5, 千: 5, w: 6, 万: 6, 亿: 10 };

/** "12.34" × 10^shift as an exact integer, or undefined when it has too many decimals. */
function decimalTimesPow10(num: string, shift: number): number | undefined {
  const [int = '0', frac = ''] = num.split('.');
  if (frac.length > shift) return undefined;
  return Number(int + frac.padEnd(shift, '0'));
}

function chineseNumber(text: string): number | undefined {
  if (!/^[零〇一二两三四五六七八九十百千]+$/.test(text)) return undefined;
  let total = 0;
  let digit = 0;
  for (const ch of text) {
    if (ch in CN_DIGITS) digit = CN_DIGITS[ch]!;
    else {
      const unit = ch === '十' ? 10 : ch === '百' ? 100 : 1000;
      total += (digit || 1) * unit;
      digit = 0;
    }
  }
  return total + digit;
}

export type AmountProblem = 'unreadable' | 'negative' | 'zero' | 'too_large';
export type AmountResult = { ok: true; fen: number } | { ok: false; problem: AmountProblem };

/**
 * Reads `60000`, `6万`, `6w`, `¥60,000.00`, `六万`. A token that is clearly an amount but negative, zero or above
 * MAX_AMOUNT_FEN says which (`problem`), so the caller can refuse with the reason instead of treating it as text.
 */
export function parseAmountToFen(text: string): AmountResult {
  let s = text.normalize('NFKC').trim().toLowerCase().replace(/^[¥￥]|^rmb|^cny/, '').replace(/(rmb|cny)$/, '').trim();
  const negative = /^[-−]/.test(s);
  if (negative) s = s.slice(1).replace(/^[¥￥]/, '').trim();
  const m = /^([\d,]*\.?\d*|[零〇一二两三四五六七八九十百千]+)\s*(元|块|k|千|w|万|亿)?$/.exec(s);
  if (!m || !m[1] || !/[\d零〇一二两三四五六七八九十百千]/.test(m[1])) return { ok: false, problem: 'unreadable' };
  const r = unsignedFen(m[1], m[2] ?? '');
  if (!r.ok) return r;
  if (negative) return { ok: false, problem: 'negative' };
  return r;
}

function unsignedFen(numText: string, unit: string): AmountResult {
  const unitDigits = UNIT_FEN_DIGITS[unit]!;
  let fen: number | undefined;
  const cn = chineseNumber(numText);
  if (cn !== undefined) fen = cn * 10 ** unitDigits;
  else {
    if (numText.includes(',') && !/^\d{1,3}(,\d{3})*(\.\d*)?$/.test(numText)) return { ok: false, problem: 'unreadable' };
    const num = numText.replace(/,/g, '');
    if (!/^\d+(\.\d+)?$/.test(num)) return { ok: false, problem: 'unreadable' };
    if (/^0*(\.0*)?$/.test(num)) return { ok: false, problem: 'zero' };
    if (num.replace(/\..*/, '').replace(/^0+/, '').length + unitDigits > 15) return { ok: false, problem: 'too_large' };
    fen = decimalTimesPow10(num, unitDigits);
  }
  if (fen === undefined) return { ok: false, problem: 'unreadable' };
  if (fen === 0) return { ok: false, problem: 'zero' };
  if (!Number.isSafeInteger(fen) || fen > MAX_AMOUNT_FEN) return { ok: false, problem: 'too_large' };
  return { ok: true, fen };
}

/** The reason an amount token was refused, as a sentence naming what was typed. */
export function amountProblemText(what: string, typed: string, problem: AmountProblem): string {
  switch (problem) {
    case 'negative':
      return `${what}不能是负数（收到「${typed}」）。`;
    case 'zero':
      return `${what}必须大于零（收到「${typed}」）。`;
    case 'too_large':
      return `${what}「${typed}」超过了上限 ${formatFen(MAX_AMOUNT_FEN)}（10亿），请检查是不是多打了位数。`;
    default:
      return `看不懂${what}「${typed}」。可以写：60000、6万、6w、¥60,000.00。`;
  }
}

/** Services check amounts from every caller (chat, import) against the same rules. */
export function assertAmount(fen: number | undefined, what: string): void {
  if (fen === undefined) return;
  if (!Number.isSafeInteger(fen) || fen <= 0) throw new DomainError('INVALID_INPUT', `${what}必须大于零。`);
  if (fen > MAX_AMOUNT_FEN) throw new DomainError('INVALID_INPUT', `${what}超过了上限 ${formatFen(MAX_AMOUNT_FEN)}（10亿）。`);
}

export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  const yuan = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}¥${yuan}.${String(abs % 100).padStart(2, '0')}`;
}

/** Compact: 6万, 6.5万, 5,000. */
export function formatFenShort(fen: number): string {
  const yuan = fen / 100;
  if (Math.abs(yuan) >= 10_000) return `${Math.round(yuan / 1000) / 10}万`;
  return Math.round(yuan).toLocaleString('en-US');
}

/** `8%`, `8`, `8.5%`, and 折 (9折 = 10% off, 95折 = 5% off) → basis points 0..10000. */
export function parsePercent(text: string): { ok: true; basisPoints: number } | { ok: false } {
  const s = text.normalize('NFKC').trim().replace('％', '%');
  if (/^[-−]/.test(s)) return { ok: false };
  let m = /^(\d+(?:\.\d{1,2})?)\s*%?$/.exec(s);
  if (m) {
    const bp = decimalTimesPow10(m[1]!, 2);
    return bp !== undefined && bp <= 10_000 ? { ok: true, basisPoints: bp } : { ok: false };
  }
  m = /^(\d+(?:\.\d)?)\s*折$/.exec(s);
  if (m) {
    const v = m[1]!;
    // 9折 / 9.5折 are tenths; 95折 / 85折 are hundredths.
    const paid = v.includes('.') || v.length === 1 ? Number(v) * 1000 : Number(v) * 100;
    if (paid <= 0 || paid > 10_000) return { ok: false };
    return { ok: true, basisPoints: Math.round(10_000 - paid) };
  }
  return { ok: false };
}
