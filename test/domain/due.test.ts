import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { at, queryRows } from '../../src/db/rows.js';
import { deliveryTime, dueLabel, dueOf, escalationAt } from '../../src/domain/due.js';
import { tenantSettingsSchema } from '../../src/domain/settings.js';
import { dueAtSql } from '../../src/services/due.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const tz = 'Asia/Shanghai';
const d = (iso: string) => new Date(iso);
const settings = tenantSettingsSchema.parse({});

describe('dueOf: agreed next contact, else the silence window', () => {
  it('is due at the agreed time, or silenceHours after the last activity without one', () => {
    const last = d('2026-12-02T10:00:00+08:00');
    expect(dueOf({ lastActivityAt: last, nextDueAt: d('2026-12-07T09:00:00+08:00') }, { silenceHours: 48 })).toEqual({
      at: d('2026-12-07T09:00:00+08:00'), reason: 'agreed', snoozed: false,
    });
    expect(dueOf({ lastActivityAt: last, nextDueAt: null }, { silenceHours: 72 }).at).toEqual(d('2026-12-05T10:00:00+08:00'));
    // An agreement older than the last activity no longer counts.
    expect(dueOf({ lastActivityAt: last, nextDueAt: d('2026-12-01T09:00:00+08:00') }, { silenceHours: 48 }).reason).toBe('silence');
    const snoozed = dueOf({ lastActivityAt: last, nextDueAt: null, snoozedUntil: d('2026-12-05T10:00:00+08:00') }, { silenceHours: 48 });
    expect(snoozed).toMatchObject({ at: d('2026-12-05T10:00:00+08:00'), snoozed: true });
  });

  it('labels the reason and never escalates before the agreed time', () => {
    const input = { lastActivityAt: d('2026-12-02T10:00:00+08:00'), nextDueAt: d('2026-12-07T10:00:00+08:00') };
    const due = dueOf(input, { silenceHours: 48 });
    expect(dueLabel(input, due, d('2026-12-03T10:00:00+08:00'), tz)).toBe('约定 12-07 10:00 联系');
    const silent = { lastActivityAt: d('2026-12-02T10:00:00+08:00'), nextDueAt: null };
    expect(dueLabel(silent, dueOf(silent, { silenceHours: 48 }), d('2026-12-05T11:00:00+08:00'), tz)).toBe('已 3 天无跟进');
    expect(escalationAt(d('2026-12-01T09:00:00+08:00'), null, due, { escalateAfterHours: 24 })).toEqual(d('2026-12-08T10:00:00+08:00'));
  });

  it('delivers inside working hours and outside quiet hours', () => {
    expect(deliveryTime(d('2026-12-02T10:30:00+08:00'), tz, settings)).toEqual(d('2026-12-02T10:30:00+08:00'));
    expect(deliveryTime(d('2026-12-02T18:30:00+08:00'), tz, settings)).toEqual(d('2026-12-03T09:00:00+08:00'));
    expect(deliveryTime(d('2026-12-05T10:00:00+08:00'), tz, settings)).toEqual(d('2026-12-07T09:00:00+08:00'));
    const late = tenantSettingsSchema.parse({ quietHours: { end: 10 } });
    expect(deliveryTime(d('2026-12-03T08:00:00+08:00'), tz, late)).toEqual(d('2026-12-03T10:00:00+08:00'));
  });
});

describe(`dueAtSql gives the same instant as dueOf (${testDriver()})`, () => {
  const t = useTestDb();
  it.each([
    ['2026-12-02T10:00:00+08:00', '2026-12-07T09:00:00+08:00', 48],
    ['2026-12-02T10:00:00+08:00', null, 48],
    ['2026-12-02T10:00:00+08:00', null, 72.5],
    ['2026-12-02T10:00:00+08:00', '2026-12-01T09:00:00+08:00', 24],
  ] as const)('last %s, agreed %s, silence %s h', async (last, next, silenceHours) => {
    const columns = { lastActivityAt: at(d(last)), nextDueAt: next ? at(d(next)) : sql`null::timestamptz` };
    const [row] = await queryRows<{ due: string | Date }>(t().db, sql`select ${dueAtSql({ silenceHours }, columns)} as due`);
    expect(new Date(row!.due)).toEqual(dueOf({ lastActivityAt: d(last), nextDueAt: next ? d(next) : null }, { silenceHours }).at);
  });
});
