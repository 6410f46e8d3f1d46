import { describe, expect, it } from 'vitest';
import { formatDate, isBeforeToday, parseDueDate, wallClock, workingHoursBetween, zonedTime } from '../../src/domain/dates.js';
import { isQuiet, nextAllowedTime } from '../../src/domain/quiet-hours.js';
import { readSettings } from '../../src/domain/settings.js';

const TZ = 'Asia/Shanghai';
// Wednesday 2026-11-25 14:30 in Shanghai.
const now = new Date('2026-11-25T14:30:00+08:00');
const at = (s: string) => new Date(s).toISOString();

describe('due dates in the tenant zone', () => {
  it.each([
    ['今天', '2026-11-25T09:00:00+08:00'],
    ['明天', '2026-11-26T09:00:00+08:00'],
    ['后天', '2026-11-27T09:00:00+08:00'],
    ['大后天', '2026-11-28T09:00:00+08:00'],
    ['明天 14:00', '2026-11-26T14:00:00+08:00'],
    ['明天下午3点', '2026-11-26T15:00:00+08:00'],
    ['3天后', '2026-11-28T09:00:00+08:00'],
    ['周五', '2026-11-27T09:00:00+08:00'],
    ['周一', '2026-11-30T09:00:00+08:00'],
    ['下周三', '2026-12-02T09:00:00+08:00'],
    ['下周日', '2026-12-06T09:00:00+08:00'],
    ['11-30', '2026-11-30T09:00:00+08:00'],
    ['11/30', '2026-11-30T09:00:00+08:00'],
    ['11月30日', '2026-11-30T09:00:00+08:00'],
    ['2026-12-01', '2026-12-01T09:00:00+08:00'],
    ['2026/12/1', '2026-12-01T09:00:00+08:00'],
    ['1-5', '2027-01-05T09:00:00+08:00'],
  ])('%s', (input, expected) => {
    const r = parseDueDate(input, now, TZ);
    expect(r.ok && r.date.toISOString()).toBe(at(expected));
  });

  it.each(['2月30日', '13-01', '下辈子', '明天 25:00', ''])('rejects %s', (input) => {
    expect(parseDueDate(input, now, TZ).ok).toBe(false);
  });

  it('round-trips wall clock and formats', () => {
    const w = wallClock(now, TZ);
    expect(w).toMatchObject({ year: 2026, month: 11, day: 25, hour: 14, minute: 30, weekday: 3 });
    expect(zonedTime(w, TZ).toISOString()).toBe(now.toISOString());
    expect(formatDate(now, TZ, now)).toBe('11-25 14:30');
  });

  it('shows the year of dates outside the current year, and marks yearless dates moved to next year', () => {
    expect(formatDate(new Date('2025-01-01T01:00:00Z'), TZ, now)).toBe('2025-01-01 09:00');
    expect(formatDate(new Date('2027-01-05T01:00:00Z'), TZ, now)).toBe('2027-01-05 09:00');
    expect(parseDueDate('11-20', now, TZ)).toMatchObject({ ok: true, rolledOver: true });
    expect(parseDueDate('11-30', now, TZ)).not.toHaveProperty('rolledOver');
    expect(parseDueDate('2026-11-20', now, TZ)).not.toHaveProperty('rolledOver');
    expect(isBeforeToday(new Date('2026-11-25T00:30:00Z'), now, TZ)).toBe(false); // earlier today is not "past"
    expect(isBeforeToday(new Date('2026-11-24T15:00:00Z'), now, TZ)).toBe(true);
  });
});

describe('working hours and quiet hours', () => {
  it('counts only working hours', () => {
    expect(workingHoursBetween(new Date('2026-11-27T17:00:00+08:00'), new Date('2026-11-30T16:00:00+08:00'), TZ)).toBe(8);
    expect(workingHoursBetween(new Date('2026-11-25T08:00:00+08:00'), new Date('2026-11-25T20:00:00+08:00'), TZ)).toBe(9);
    expect(workingHoursBetween(new Date('2026-11-28T10:00:00+08:00'), new Date('2026-11-29T10:00:00+08:00'), TZ)).toBe(0);
  });

  const q = readSettings({}).quietHours;
  it.each([
    ['2026-11-25T14:30:00+08:00', '2026-11-25T14:30:00+08:00'],
    ['2026-11-25T22:00:00+08:00', '2026-11-26T08:00:00+08:00'],
    ['2026-11-26T03:00:00+08:00', '2026-11-26T08:00:00+08:00'],
    ['2026-11-27T21:30:00+08:00', '2026-11-30T08:00:00+08:00'],
    ['2026-11-28T12:00:00+08:00', '2026-11-30T08:00:00+08:00'],
  ])('%s is sent at %s', (when, expected) => {
    expect(nextAllowedTime(new Date(when), TZ, q).toISOString()).toBe(at(expected));
  });

  it('can be switched off', () => {
    expect(isQuiet(new Date('2026-11-28T12:00:00+08:00'), TZ, { ...q, enabled: false })).toBe(false);
  });
});

describe('dates said aloud (voice notes), Wednesday 2026-11-25 14:30', () => {
  it.each([
    ['下周二下午', '2026-12-01T14:00:00+08:00'],
    ['明天上午十点', '2026-11-26T10:00:00+08:00'],
    ['后天晚上', '2026-11-27T19:00:00+08:00'],
    ['这周五', '2026-11-27T09:00:00+08:00'],
    ['月底', '2026-11-30T09:00:00+08:00'],
    ['下个月底', '2026-12-31T09:00:00+08:00'],
    ['下月初', '2026-12-01T09:00:00+08:00'],
    ['12月8号', '2026-12-08T09:00:00+08:00'],
    ['十二月八号下午三点', '2026-12-08T15:00:00+08:00'],
    ['28号', '2026-11-28T09:00:00+08:00'],
    ['二号', '2026-12-02T09:00:00+08:00'],
    ['三十一号', '2026-12-31T09:00:00+08:00'],
  ])('%s → %s', (text, iso) => {
    const r = parseDueDate(text, now, TZ);
    expect(r.ok && r.date.toISOString()).toBe(at(iso));
  });

  it('finds the first coming date in a sentence, skipping dates it reports on', async () => {
    const { findSpokenDate } = await import('../../src/domain/dates.js');
    expect(findSpokenDate('华东五金报价八万五，下周二下午再联系', now, TZ)).toEqual({ date: new Date(at('2026-12-01T14:00:00+08:00')), phrase: '下周二下午' });
    expect(findSpokenDate('11月20号去过一次，客户说月底定', now, TZ)?.phrase).toBe('月底');
    expect(findSpokenDate('打了电话没人接', now, TZ)).toBeUndefined();
    expect(parseDueDate('下午', now, TZ).ok).toBe(false);
    expect(parseDueDate('四十号', now, TZ).ok).toBe(false);
  });
});

describe('the next contact in a spoken sentence', () => {
  it('takes a later day over the today the sentence reports on, and today only with a time to come', async () => {
    const { findSpokenDate } = await import('../../src/domain/dates.js');
    expect(findSpokenDate('今天电话聊了报价，月底再联系', now, TZ)?.phrase).toBe('月底');
    expect(findSpokenDate('今天去了一趟', now, TZ)).toBeUndefined();
    expect(findSpokenDate('今天晚上再打给他', now, TZ)).toEqual({ date: new Date(at('2026-11-25T19:00:00+08:00')), phrase: '今天晚上' });
    expect(findSpokenDate('今天上午去过了', now, TZ)).toBeUndefined(); // 09:00 already passed at 14:30
  });
});
