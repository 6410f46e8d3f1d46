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

const CN_SPOKEN = /^[零〇一二两三四五六七八九十百千万亿点]+$/;

/**
 * A number below 万 as said aloud: 三千五 (3,500), 一百五 (150), 一百零五 (105), 十二, 八点五 (8.5). A last digit
 * straight after 百/千 counts in the next lower place, as speakers mean it.
 */
function spokenSmall(text: string): number | undefined {
  if (!text) return undefined;
  const [whole = '', frac] = text.split('点');
  if (text.split('点').length > 2) return undefined;
  let total = 0;
  let digit: number | undefined;
  let lastUnit = 0;
  let afterZero = false;
  for (const ch of whole) {
    if (ch in CN_DIGITS) {
      if (CN_DIGITS[ch] === 0) afterZero = true;
      else digit = CN_DIGITS[ch]!;
      continue;
    }
    const unit = ch === '十' ? 10 : ch === '百' ? 100 : ch === '千' ? 1000 : 0;
    if (!unit || (lastUnit && unit >= lastUnit)) return undefined;
    total += (digit ?? 1) * unit;
    digit = undefined;
    lastUnit = unit;
    afterZero = false;
  }
  if (digit !== undefined) total += lastUnit >= 100 && !afterZero ? (digit * lastUnit) / 10 : digit;
  if (frac !== undefined) {
    if (!frac || [...frac].some((c) => !(c in CN_DIGITS))) return undefined;
    total += Number(`0.${[...frac].map((c) => CN_DIGITS[c]).join('')}`);
  }
  return total;
}

/** An amount as said aloud, in fen: 八万五 (85,000), 十二万, 一百二十万三千, 八点五万, 三千五, 一亿二千万. */
export function spokenAmountFen(text: string): number | undefined {
  if (!CN_SPOKEN.test(text)) return undefined;
  let rest = text;
  let yuan = 0;
  let lastBig = 0;
  for (const [big, value] of [['亿', 1e8], ['万', 1e4]] as const) {
    const at = rest.indexOf(big);
    if (at < 0) continue;
    const section = spokenSmall(rest.slice(0, at)) ?? (at === 0 ? undefined : NaN);
    if (section === undefined || Number.isNaN(section)) return undefined;
    yuan += section * value;
    lastBig = value;
    rest = rest.slice(at + 1);
  }
  if (rest) {
    // 八万五: a lone digit after 万 (or 亿) is the next lower place — 5,000, not 5.
    const lone = rest.length === 1 && rest in CN_DIGITS && lastBig ? CN_DIGITS[rest]! * (lastBig / 10) : undefined;
    const small = lone ?? spokenSmall(rest.replace(/^零/, ''));
    if (small === undefined) return undefined;
    yuan += small;
  }
  const fen = Math.round(yuan * 100);
  return Number.isSafeInteger(fen) ? fen : undefined;
}

export type AmountProblem = 'unreadable' | 'negative' | 'zero' | 'too_large';

/** The first spoken or written amount in a sentence (报价八万五, 打九折 is not one), in fen. */
export function findSpokenAmount(sentence: string): { fen: number; phrase: string } | undefined {
  const s = sentence.normalize('NFKC');
  const re = /([零〇一二两三四五六七八九十百千万亿点]*[万亿][零〇一二两三四五六七八九十百千]*|\d+(?:\.\d+)?\s*[万w]\d?|[一二两三四五六七八九十百]+千[一二两三四五六七八九]?)(?:元|块钱|块)?/g;
  for (const m of s.matchAll(re)) {
    const r = parseAmountToFen(m[0]);
    if (r.ok) return { fen: r.fen, phrase: m[0] };
  }
  return undefined;
}
export type AmountResult = { ok: true; fen: number } | { ok: false; problem: AmountProblem };

/**
 * Reads `60000`, `6万`, `6w`, `¥60,000.00`, `六万`. A token that is clearly an amount but negative, zero or above
 * MAX_AMOUNT_FEN says which (`problem`), so the caller can refuse with the reason instead of treating it as text.
 */
export function parseAmountToFen(text: string): AmountResult {
  let s = text.normalize('NFKC').trim().toLowerCase().replace(/^[¥￥]|^rmb|^cny/, '').replace(/(rmb|cny)$/, '').trim();
  const negative = /^[-−]/.test(s);
  if (negative) s = s.slice(1).replace(/^[¥￥]/, '').trim();
  // Said aloud: 八万五, 十二万块, 一百二十万三千元, 8万5 (85,000).
  const spoken = /^([零〇一二两三四五六七八九十百千万亿点]+)\s*(?:元|块|块钱)?$/.exec(s);
  if (spoken && /[万亿点]|[十百千][一二两三四五六七八九]$/.test(spoken[1]!) && !negative) {
    const fen = spokenAmountFen(spoken[1]!);
    if (fen === undefined) return { ok: false, problem: 'unreadable' };
    if (fen === 0) return { ok: false, problem: 'zero' };
    return fen > MAX_AMOUNT_FEN ? { ok: false, problem: 'too_large' } : { ok: true, fen };
  }
  const mixed = /^(\d+(?:\.\d+)?)\s*[万w]\s*(\d)$/.exec(s);
  if (mixed && !negative) {
    const fen = decimalTimesPow10(mixed[1]!, 6)! + Number(mixed[2]) * 100_000;
    return fen > MAX_AMOUNT_FEN ? { ok: false, problem: 'too_large' } : { ok: true, fen };
  }
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
