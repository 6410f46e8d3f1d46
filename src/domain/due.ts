// THE rule for "follow-up due" (应跟进): an agreed next contact makes a deal due at that time; without one (or
// when the agreement is older than the last activity) it is due the tenant's silence window after its last
// activity. Nudges, /待办, digests, views and exports all ask this module (SQL twin: src/services/due.ts). Pure.
import { formatDate, wallClock, zonedTime } from './dates.js';
import { isQuiet } from './quiet-hours.js';
import type { TenantSettings } from './settings.js';

const HOUR = 3600_000;

export type DueReason = 'agreed' | 'silence';

export interface DueInput {
  lastActivityAt: Date;
  /** The latest follow-up's 下次 (deals.next_due_at). */
  nextDueAt: Date | null;
  /** This episode's /推迟, if any: moves the due time once. */
  snoozedUntil?: Date | null;
}

export interface Due {
  at: Date;
  reason: DueReason;
  snoozed: boolean;
}

export interface DueRules {
  silenceHours: number;
  escalateAfterHours: number;
}

export const dueRules = (s: TenantSettings): DueRules => ({ silenceHours: s.nudges.silenceHours, escalateAfterHours: s.nudges.escalateAfterHours });

/** An agreement counts only when it was made at or after the last activity (a later follow-up replaces it). */
export const hasAgreement = (d: DueInput): d is DueInput & { nextDueAt: Date } =>
  d.nextDueAt !== null && d.nextDueAt.getTime() >= d.lastActivityAt.getTime();

export function dueOf(d: DueInput, rules: Pick<DueRules, 'silenceHours'>): Due {
  const base = hasAgreement(d)
    ? { at: d.nextDueAt, reason: 'agreed' as const }
    : { at: new Date(d.lastActivityAt.getTime() + rules.silenceHours * HOUR), reason: 'silence' as const };
  const snoozed = !!d.snoozedUntil && d.snoozedUntil.getTime() > base.at.getTime();
  return { ...base, at: snoozed ? d.snoozedUntil! : base.at, snoozed };
}

export const isDue = (due: Due, now: Date) => due.at.getTime() <= now.getTime();

/**
 * Escalation to the manager: the grace period after the nudge went out (or after the snooze ends), and never
 * before the agreed time itself.
 */
export function escalationAt(nudgedAt: Date, snoozedUntil: Date | null, due: Due, rules: Pick<DueRules, 'escalateAfterHours'>): Date {
  const from = Math.max(nudgedAt.getTime(), snoozedUntil?.getTime() ?? 0, due.at.getTime());
  return new Date(from + rules.escalateAfterHours * HOUR);
}

/** "约定 12-07 10:00 联系" or "已 3 天无跟进" (hours below two days). */
export function dueLabel(d: DueInput, due: Due, now: Date, tz: string): string {
  if (due.reason === 'agreed') return `约定 ${formatDate(due.at, tz, now)} 联系${due.snoozed ? '（已推迟）' : ''}`;
  const hours = Math.max(0, Math.floor((now.getTime() - d.lastActivityAt.getTime()) / HOUR));
  const silent = hours >= 48 ? `${Math.floor(hours / 24)} 天` : `${hours} 小时`;
  return `已 ${silent}无跟进${due.snoozed ? `（推迟到 ${formatDate(due.at, tz, now)}）` : ''}`;
}

type Hours = Pick<TenantSettings, 'workingHours' | 'quietHours'>;

const inWorkingHours = (at: Date, tz: string, wh: TenantSettings['workingHours']) => {
  const w = wallClock(at, tz);
  return wh.days.includes(w.weekday) && w.hour >= wh.start && w.hour < wh.end;
};

/**
 * When a reminder due at `at` is delivered: the first instant at or after it inside working hours and outside
 * quiet hours (working hours alone when the two never overlap within a fortnight).
 */
export function deliveryTime(at: Date, tz: string, s: Hours): Date {
  let t = at;
  for (let i = 0; i < 15 * 24; i++) {
    const working = inWorkingHours(t, tz, s.workingHours);
    if (working && !isQuiet(t, tz, s.quietHours)) return t;
    const w = wallClock(t, tz);
    const next = working
      ? zonedTime({ year: w.year, month: w.month, day: w.day, hour: w.hour + 1, minute: 0 }, tz)
      : zonedTime({ year: w.year, month: w.month, day: w.hour < s.workingHours.start ? w.day : w.day + 1, hour: s.workingHours.start, minute: 0 }, tz);
    t = next;
  }
  return at;
}

/**
 * The instant `minutes` working minutes (the tenant's working hours, quiet hours aside) have passed since `from`:
 * the golden-response deadline (黄金响应) of a newly assigned lead. A lead assigned at 17:50 on a Friday with
 * 30 minutes is due at 09:20 on Monday.
 */
export function workingDeadline(from: Date, minutes: number, tz: string, wh: TenantSettings['workingHours']): Date {
  let t = from.getTime();
  let left = minutes * 60_000;
  for (let i = 0; i < 60; i++) {
    const w = wallClock(new Date(t), tz);
    if (inWorkingHours(new Date(t), tz, wh)) {
      const close = zonedTime({ year: w.year, month: w.month, day: w.day, hour: wh.end, minute: 0 }, tz).getTime();
      if (t + left <= close) return new Date(t + left);
      left -= close - t;
      t = close;
    } else {
      const today = w.hour < wh.start ? w.day : w.day + 1;
      t = zonedTime({ year: w.year, month: w.month, day: today, hour: wh.start, minute: 0 }, tz).getTime();
    }
  }
  return new Date(from.getTime() + minutes * 60_000);
}
