import { describe, expect, it } from 'vitest';
import { formatFen, formatFenShort, MAX_AMOUNT_FEN, parseAmountToFen, parsePercent } from '../../src/domain/money.js';

describe('amounts become exact integer fen', () => {
  it.each([
    ['5万', 5_000_000],
    ['5.5万', 5_500_000],
    ['0.29万', 290_000],
    ['5w', 5_000_000],
    ['5W', 5_000_000],
    ['50000', 5_000_000],
    ['50,000', 5_000_000],
    ['¥5,000.00', 500_000],
    ['￥5000', 500_000],
    ['5000元', 500_000],
    ['5千', 500_000],
    ['5k', 500_000],
    ['1.2亿', 12_000_000_000],
    ['三万', 3_000_000],
    ['十二万', 12_000_000],
    ['12.34', 1234],
    ['５万', 5_000_000],
  ])('%s → %d fen', (input, fen) => {
    expect(parseAmountToFen(input)).toEqual({ ok: true, fen });
  });

  it.each(['', '-5', '0', 'abc', '5万万', '1.234', '5,00', '99999999999999', '五毛'])('rejects %s', (input) => {
    expect(parseAmountToFen(input).ok).toBe(false);
  });

  it.each([
    ['-5万', 'negative'],
    ['¥-5,000', 'negative'],
    ['0', 'zero'],
    ['0.00万', 'zero'],
    ['99999999999999万', 'too_large'],
    ['10.01亿', 'too_large'],
    ['abc', 'unreadable'],
    ['万', 'unreadable'],
  ])('says why %s is refused', (input, problem) => {
    expect(parseAmountToFen(input)).toEqual({ ok: false, problem });
  });

  it('accepts up to the 10亿 cap and refuses negative discounts', () => {
    expect(parseAmountToFen('10亿')).toEqual({ ok: true, fen: MAX_AMOUNT_FEN });
    expect(parsePercent('-3%').ok).toBe(false);
    expect(parsePercent('150%').ok).toBe(false);
  });

  it('formats', () => {
    expect(formatFen(6_000_000)).toBe('¥60,000.00');
    expect(formatFen(1234)).toBe('¥12.34');
    expect(formatFenShort(6_500_000)).toBe('6.5万');
    expect(formatFenShort(500_000)).toBe('5,000');
  });
});

describe('discounts', () => {
  it.each([
    ['8%', 800],
    ['8', 800],
    ['8.5%', 850],
    ['０.5%', 50],
    ['9折', 1000],
    ['9.5折', 500],
    ['95折', 500],
    ['85折', 1500],
  ])('%s → %d bp', (input, bp) => {
    expect(parsePercent(input)).toEqual({ ok: true, basisPoints: bp });
  });
  it.each(['101%', 'x', '8.123%', '0折'])('rejects %s', (input) => {
    expect(parsePercent(input).ok).toBe(false);
  });
});

describe('amounts said aloud (voice notes)', () => {
  it.each([
    ['八万五', 8_500_000],
    ['八万五千', 8_500_000],
    ['十二万', 12_000_000],
    ['一百二十万三千', 120_300_000],
    ['八点五万', 8_500_000],
    ['三千五', 350_000],
    ['一万二', 1_200_000],
    ['两万块', 2_000_000],
    ['一百零五', 10_500],
    ['8万5', 8_500_000],
  ])('%s → %i fen', (text, fen) => {
    expect(parseAmountToFen(text)).toEqual({ ok: true, fen });
  });

  it('refuses spoken nonsense and finds the amount inside a sentence', async () => {
    const { findSpokenAmount } = await import('../../src/domain/money.js');
    expect(parseAmountToFen('八万五万').ok).toBe(false);
    expect(parseAmountToFen('十一亿').ok).toBe(false);
    expect(findSpokenAmount('华东五金报价八万五，下周二下午再联系')).toEqual({ fen: 8_500_000, phrase: '八万五' });
    expect(findSpokenAmount('客户说预算在三千五左右')).toEqual({ fen: 350_000, phrase: '三千五' });
    expect(findSpokenAmount('周五再打给他')).toBeUndefined();
  });
});
