// Quiet hours: nothing is sent between 21:00 and 08:00 tenant time or on weekends (configurable); what falls
// due then goes out at the next allowed minute. Pure.
import { wallClock, zonedTime } from './dates.js';
import type { TenantSettings } from './settings.js';

type Quiet = TenantSettings['quietHours'];

export function isQuiet(at: Date, tz: string, q: Quiet): boolean {
  if (!q.enabled) return false;
  const w = wallClock(at, tz);
  if (q.days.includes(w.weekday)) return true;
  return inQuietWindow(w.hour, q);
}

function inQuietWindow(hour: number, q: Quiet): boolean {
  if (q.start === q.end) return false;
  return q.start > q.end ? hour >= q.start || hour < q.end : hour >= q.start && hour < q.end;
}

/** The first instant at or after `at` outside quiet hours. */
export function nextAllowedTime(at: Date, tz: string, q: Quiet): Date {
  if (!isQuiet(at, tz, q)) return at;
  const endOfQuietOn = (d: Date) => {
    const w = wallClock(d, tz);
    return zonedTime({ year: w.year, month: w.month, day: w.day, hour: q.end, minute: 0 }, tz);
  };
  let candidate = endOfQuietOn(at);
  // Walk forward a day at a time (a week plus one at most) to the first allowed day's end of quiet hours.
  for (let i = 0; i < 9 && (candidate.getTime() <= at.getTime() || isQuiet(candidate, tz, q)); i++) {
    candidate = endOfQuietOn(new Date(candidate.getTime() + 24 * 3600_000 + 3600_000));
  }
  return candidate;
}
