// Rule values as typed in /设置 and on the dashboard's rules screen: one reader, one set of refusals.
import { describe, expect, it } from 'vitest';
import { readApprovalValue, readHours } from '../../src/domain/settings-input.js';

describe('rule values as an admin types them', () => {
  it('reads an approval threshold as an amount, or as a discount when it ends in % or 折', () => {
    expect(readApprovalValue('8万')).toEqual({ ok: true, value: { financeTechMinFen: 8_000_000 } });
    expect(readApprovalValue('80000')).toEqual({ ok: true, value: { financeTechMinFen: 8_000_000 } });
    expect(readApprovalValue(' 10% ')).toEqual({ ok: true, value: { directorDiscountBp: 1000 } });
    expect(readApprovalValue('95折')).toEqual({ ok: true, value: { directorDiscountBp: 500 } });
    for (const bad of ['八万多', '-5万', '120%', '0', '']) {
      expect(readApprovalValue(bad)).toEqual({ ok: false, message: `看不懂「${bad}」：金额写成 5万，折扣写成 5%。` });
    }
  });

  it('reads reminder hours above 0', () => {
    expect(readHours('48')).toEqual({ ok: true, value: 48 });
    expect(readHours('1.5')).toEqual({ ok: true, value: 1.5 });
    expect(readHours('３６')).toEqual({ ok: true, value: 36 });
    for (const bad of ['0', '-3', 'abc', '']) expect(readHours(bad)).toEqual({ ok: false, message: `请写大于 0 的小时数（收到「${bad}」）。` });
  });
});
