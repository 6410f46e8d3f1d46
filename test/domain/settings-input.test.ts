// Rule values as typed in /设置 and on the dashboard's rules screen: one reader, one set of refusals.
import { describe, expect, it } from 'vitest';
import { checkHours, readApprovalValue, readDays, readHours, readQuoteDocument, readWhole } from '../../src/domain/settings-input.js';

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

  it('reads reminder days above 0', () => {
    expect(readDays('30')).toEqual({ ok: true, value: 30 });
    expect(readDays('１５')).toEqual({ ok: true, value: 15 });
    for (const bad of ['0', '零', '']) expect(readDays(bad)).toEqual({ ok: false, message: `请写大于 0 的天数（收到「${bad}」）。` });
  });

  it("reads pool, after-the-win and collection numbers as whole numbers within the schema's bounds", () => {
    expect(readWhole('pool', 'claimsPerDay', '10个')).toEqual({ ok: true, value: 10 });
    expect(readWhole('pool', 'recycleDays', '0')).toEqual({ ok: true, value: 0 });
    expect(readWhole('pool', 'goldenMinutes', '３０分钟')).toEqual({ ok: true, value: 30 });
    expect(readWhole('afterWin', 'winBackDays', '90天')).toEqual({ ok: true, value: 90 });
    expect(readWhole('collection', 'escalateAfterDays', '365')).toEqual({ ok: true, value: 365 });
    // The bounds are the schema's (src/domain/settings.ts), the unit the setting's.
    expect(readWhole('pool', 'claimsPerDay', '0')).toEqual({ ok: false, message: '请写 1–1000 的个数（收到「0」）。' });
    expect(readWhole('pool', 'goldenMinutes', '1441')).toEqual({ ok: false, message: '请写 1–1440 的分钟数（收到「1441」）。' });
    expect(readWhole('pool', 'recycleWarnDays', '61')).toEqual({ ok: false, message: '请写 0–60 的天数（收到「61」）。' });
    expect(readWhole('afterWin', 'visitDays', '1.5')).toEqual({ ok: false, message: '请写 1–365 的天数（收到「1.5」）。' });
    expect(readWhole('collection', 'escalateAfterDays', '-1')).toEqual({ ok: false, message: '请写 1–365 的天数（收到「-1」）。' });
  });

  it('accepts working hours with a day and an end after the start, and quiet hours across midnight', () => {
    const work = { start: 9, end: 18, days: [1, 2, 3, 4, 5] };
    const quiet = { enabled: true, start: 21, end: 8, days: [6, 7] };
    expect(checkHours(work, quiet)).toBeUndefined();
    expect(checkHours(work, { ...quiet, enabled: false, start: 8 })).toBeUndefined();
    expect(checkHours({ ...work, end: 8 }, quiet)).toEqual({ field: 'workEnd', message: '下班时间要晚于上班时间（收到 9 点到 8 点）。' });
    expect(checkHours({ ...work, days: [] }, quiet)).toEqual({ field: 'workDays', message: '请至少选一个工作日。' });
    expect(checkHours(work, { ...quiet, end: 21 })?.field).toBe('quietEnd');
  });

  it("reads the PDF quote's parts: lines split on ｜, | or a new line, terms with ｜ as a new line, validity in days", () => {
    expect(readQuoteDocument('header', ' 宁波精工 ')).toEqual({ ok: true, value: '宁波精工' });
    expect(readQuoteDocument('header', '')).toEqual({ ok: true, value: '' });
    expect(readQuoteDocument('lines', '地址：宁波 ｜ 电话：1|传真：2\n开户行：3')).toEqual({ ok: true, value: ['地址：宁波', '电话：1', '传真：2', '开户行：3'] });
    expect(readQuoteDocument('terms', '1. 含税 ｜ 2. 运费另计')).toEqual({ ok: true, value: '1. 含税\n2. 运费另计' });
    expect(readQuoteDocument('validityDays', '３０天')).toEqual({ ok: true, value: 30 });
    expect(readQuoteDocument('validityDays', '366')).toEqual({ ok: false, message: '有效期写成天数（1–365），例如 30天（收到「366」）。' });
    expect(readQuoteDocument('terms', '条'.repeat(601))).toEqual({ ok: false, message: '条款最多 600 个字（现在 601 个），请写短一些。' });
    expect(readQuoteDocument('lines', `${'字'.repeat(101)}`)).toEqual({ ok: false, message: '每行信息最多 100 个字（现在 101 个），请写短一些。' });
  });
});
