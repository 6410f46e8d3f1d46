import { describe, expect, it } from 'vitest';
import { collectionStatus, percentOf, planInstalments } from '../../src/domain/collection.js';
import { isDomainError } from '../../src/domain/errors.js';
import { currentPeriod, parsePeriod } from '../../src/domain/periods.js';

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (isDomainError(e)) return e.userMessage;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('collection plans in exact fen', () => {
  it('splits percentages to the fen, the rounding remainder going to the last percentage', () => {
    expect(planInstalments([{ basisPoints: 5000, dueOn: '2026-12-31' }, { basisPoints: 5000, dueOn: '2027-01-31' }], 100_001).map((i) => i.amountFen)).toEqual([50_000, 50_001]);
    const thirds = planInstalments(
      [{ basisPoints: 3333, dueOn: '2026-12-01' }, { basisPoints: 3333, dueOn: '2026-12-02' }, { basisPoints: 3334, dueOn: '2026-12-03' }],
      10_000_001,
    );
    expect(thirds.map((i) => i.amountFen)).toEqual([3_333_000, 3_333_000, 3_334_001]);
    expect(thirds.reduce((a, i) => a + i.amountFen, 0)).toBe(10_000_001);
    // Mixed: a fixed deposit, the rest as a percentage of the whole.
    expect(planInstalments([{ amountFen: 2_000_000, dueOn: '2026-12-01' }, { basisPoints: 8000, dueOn: '2027-01-01' }], 10_000_000).map((i) => i.amountFen)).toEqual([2_000_000, 8_000_000]);
  });

  it('refuses plans that do not sum to the deal, saying by how much', () => {
    expect(refusal(() => planInstalments([{ basisPoints: 9999, dueOn: '2026-12-01' }], 100_000_000))).toContain('（比例合计 99.99%），商机金额是 ¥1,000,000.00，还差 ¥100.00');
    expect(refusal(() => planInstalments([{ amountFen: 1, dueOn: '2026-12-01' }, { basisPoints: 10_000, dueOn: '2026-12-02' }], 500))).toContain('多了 ¥0.01');
    expect(refusal(() => planInstalments([], 500))).toContain('请写上每一期');
  });

  it('applies receipts to instalments in order', () => {
    const plan = [{ seq: 1, dueOn: '2026-12-01', amountFen: 300 }, { seq: 2, dueOn: '2026-12-20', amountFen: 700 }];
    const s = collectionStatus(plan, 200, 1000, '2026-12-10');
    expect(s.instalments.map((i) => [i.receivedFen, i.outstandingFen, i.overdue])).toEqual([[200, 100, true], [0, 700, false]]);
    expect([s.receivedFen, s.outstandingFen, s.overdueFen]).toEqual([200, 800, 100]);
    expect(collectionStatus(plan, 1000, 1000, '2027-01-01').overdueFen).toBe(0);
    expect(percentOf(2, 3)).toBe(67);
    expect(percentOf(1, 0)).toBeNull();
  });
});

describe('periods', () => {
  const now = new Date('2026-12-03T10:00:00+08:00');
  it('reads months and quarters, and lists the months a period spans', () => {
    expect(parsePeriod('2026-12', now, 'Asia/Shanghai')).toMatchObject({ from: '2026-12-01', to: '2027-01-01', months: ['2026-12'] });
    expect(parsePeriod('2027Q1', now, 'Asia/Shanghai')).toMatchObject({ from: '2027-01-01', to: '2027-04-01', months: ['2027-01', '2027-02', '2027-03'], label: '2027Q1' });
    expect(parsePeriod('Q4', now, 'Asia/Shanghai')?.months).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(parsePeriod('3月', now, 'Asia/Shanghai')?.label).toBe('2026-03');
    expect(parsePeriod('13月', now, 'Asia/Shanghai')).toBeUndefined();
    expect(parsePeriod('50万', now, 'Asia/Shanghai')).toBeUndefined();
    expect(currentPeriod('quarter', now, 'Asia/Shanghai').label).toBe('2026Q4');
  });
});
