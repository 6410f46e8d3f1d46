// Money parsing and formatting: amounts become integer fen (分) with exact decimal arithmetic. Pure: no I/O.

const MAX_FEN = 10 ** 13;
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

export function parseAmountToFen(text: string): { ok: true; fen: number } | { ok: false } {
  const s = text.normalize('NFKC').trim().toLowerCase().replace(/^[¥￥]|^rmb|^cny/, '').replace(/(rmb|cny)$/, '').trim();
  const m = /^([\d,]*\.?\d*|[零〇一二两三四五六七八九十百千]+)\s*(元|块|k|千|w|万|亿)?$/.exec(s);
  if (!m || !m[1]) return { ok: false };
  const unitDigits = UNIT_FEN_DIGITS[m[2] ?? '']!;
  let fen: number | undefined;
  const cn = chineseNumber(m[1]);
  if (cn !== undefined) fen = cn * 10 ** unitDigits;
  else {
    if (m[1].includes(',') && !/^\d{1,3}(,\d{3})*(\.\d*)?$/.test(m[1])) return { ok: false };
    const num = m[1].replace(/,/g, '');
    if (!/^\d+(\.\d+)?$/.test(num)) return { ok: false };
    fen = decimalTimesPow10(num, unitDigits);
  }
  if (fen === undefined || !Number.isSafeInteger(fen) || fen <= 0 || fen > MAX_FEN) return { ok: false };
  return { ok: true, fen };
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
