import { describe, expect, it } from 'vitest';
import { workingDeadline } from '../../src/domain/due.js';
import { tenantSettingsSchema } from '../../src/domain/settings.js';

const wh = tenantSettingsSchema.parse({}).workingHours; // 9–18, Monday to Friday
const tz = 'Asia/Shanghai';
const at = (iso: string) => new Date(iso).toISOString();

describe('workingDeadline (golden response: N working minutes after an assignment)', () => {
  it('counts only working minutes', () => {
    expect(at(workingDeadline(new Date('2026-11-23T10:00:00+08:00'), 30, tz, wh).toISOString())).toBe(at('2026-11-23T10:30:00+08:00'));
    expect(workingDeadline(new Date('2026-11-23T17:50:00+08:00'), 30, tz, wh).toISOString()).toBe(at('2026-11-24T09:20:00+08:00'));
    // Friday evening → Monday morning; before opening → from 09:00.
    expect(workingDeadline(new Date('2026-11-27T17:50:00+08:00'), 30, tz, wh).toISOString()).toBe(at('2026-11-30T09:20:00+08:00'));
    expect(workingDeadline(new Date('2026-11-28T11:00:00+08:00'), 30, tz, wh).toISOString()).toBe(at('2026-11-30T09:30:00+08:00'));
    expect(workingDeadline(new Date('2026-11-24T07:00:00+08:00'), 30, tz, wh).toISOString()).toBe(at('2026-11-24T09:30:00+08:00'));
    // More than a working day: 600 minutes from Monday 10:00 = Tuesday 11:00.
    expect(workingDeadline(new Date('2026-11-23T10:00:00+08:00'), 600, tz, wh).toISOString()).toBe(at('2026-11-24T11:00:00+08:00'));
  });
});
