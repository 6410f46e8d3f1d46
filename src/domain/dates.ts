// Dates in a tenant's time zone: wall-clock parts, parsing 今天/明天/下周三/11-30, formatting, working hours.
// Pure: "now" and the zone are parameters.

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(tz: string) {
  let f = fmtCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short',
    });
    fmtCache.set(tz, f);
  }
  return f;
}
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function wallClock(d: Date, tz: string): WallClock {
  const p = Object.fromEntries(partsFormatter(tz).formatToParts(d).map((x) => [x.type, x.value]));
  return {
    year: Number(p.year), month: Number(p.month), day: Number(p.day),
    hour: Number(p.hour), minute: Number(p.minute), weekday: WEEKDAYS[p.weekday as string] ?? 1,
  };
}

/** The instant whose wall clock in `tz` reads these parts (day/hour overflow rolls over like Date.UTC). */
export function zonedTime(p: { year: number; month: number; day: number; hour: number; minute: number }, tz: string): Date {
  const guess = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  // Two refinements handle any offset, including around DST changes.
  let t = guess;
  for (let i = 0; i < 2; i++) {
    const w = wallClock(new Date(t), tz);
    const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
    t += guess - asUtc;
  }
  return new Date(t);
}

const CN_WEEKDAY: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };
const CN_SMALL: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

function parseTime(text: string): { hour: number; minute: number } | undefined | null {
  const s = text.trim();
  if (!s) return null;
  let m = /^(上午|早上|中午|下午|晚上)?\s*(\d{1,2})(?::|：)(\d{2})$/.exec(s);
  if (!m) m = /^(上午|早上|中午|下午|晚上)?\s*(\d{1,2})\s*点(半)?$/.exec(s);
  if (!m) return undefined;
  let hour = Number(m[2]);
  const minute = m[3] === '半' ? 30 : m[3] ? Number(m[3]) : 0;
  if ((m[1] === '下午' || m[1] === '晚上') && hour < 12) hour += 12;
  if (hour > 23 || minute > 59) return undefined;
  return { hour, minute };
}

/**
 * Parses a due date; dates without a time mean 09:00 local. A date without a year is the next such day;
 * `rolledOver` says it was moved to next year because this year's had passed (callers may ask about that).
 */
export function parseDueDate(text: string, now: Date, tz: string): { ok: true; date: Date; rolledOver?: true } | { ok: false } {
  const s = text.normalize('NFKC').trim();
  const today = wallClock(now, tz);
  const atDay = (offsetDays: number, rest: string) => {
    const t = parseTime(rest);
    if (t === undefined) return { ok: false as const };
    const base = zonedTime({ year: today.year, month: today.month, day: today.day + offsetDays, hour: 12, minute: 0 }, tz);
    const w = wallClock(base, tz);
    return { ok: true as const, date: zonedTime({ year: w.year, month: w.month, day: w.day, hour: t?.hour ?? 9, minute: t?.minute ?? 0 }, tz) };
  };
  let m = /^(今天|明天|后天|大后天)(.*)$/.exec(s);
  if (m) return atDay({ 今天: 0, 明天: 1, 后天: 2, 大后天: 3 }[m[1] as '今天']!, m[2]!);
  m = /^(\d+|[一二两三四五六七八九十])\s*天[后以]后?(.*)$/.exec(s);
  if (m) return atDay(Number(m[1]) || CN_SMALL[m[1]!]!, m[2]!);
  m = /^(下下|下)?(?:周|星期|礼拜)([一二三四五六日天])(.*)$/.exec(s);
  if (m) {
    const target = CN_WEEKDAY[m[2]!]!;
    let offset: number;
    if (m[1] === '下') offset = 7 - today.weekday + target;
    else if (m[1] === '下下') offset = 14 - today.weekday + target;
    else offset = target >= today.weekday ? target - today.weekday : 7 - today.weekday + target;
    return atDay(offset, m[3]!);
  }
  m = /^(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?(?:\s+|$)(.*)$/.exec(s);
  if (m) {
    const month = Number(m[2]);
    const day = Number(m[3]);
    const t = parseTime(m[4]!);
    if (t === undefined || month < 1 || month > 12 || day < 1) return { ok: false };
    let year = m[1] ? Number(m[1]) : today.year;
    const probe = new Date(Date.UTC(year, month - 1, day));
    if (probe.getUTCMonth() !== month - 1) return { ok: false };
    const rolledOver = !m[1] && (month < today.month || (month === today.month && day < today.day));
    if (rolledOver) year += 1;
    const date = zonedTime({ year, month, day, hour: t?.hour ?? 9, minute: t?.minute ?? 0 }, tz);
    return rolledOver ? { ok: true, date, rolledOver: true } : { ok: true, date };
  }
  return { ok: false };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `11-30 09:00` in the current year (per `now`), `2027-11-30 09:00` in any other. */
export function formatDate(d: Date, tz: string, now: Date): string {
  const w = wallClock(d, tz);
  const year = w.year === wallClock(now, tz).year ? '' : `${w.year}-`;
  return `${year}${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** True when `d` falls on a calendar day before `now`'s (in `tz`): today at an earlier hour is not "past". */
export function isBeforeToday(d: Date, now: Date, tz: string): boolean {
  return formatDay(d, tz) < formatDay(now, tz);
}

/** `2026-11-30` */
export function formatDay(d: Date, tz: string): string {
  const w = wallClock(d, tz);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

export interface WorkingHours {
  startHour?: number;
  endHour?: number;
  workdays?: number[];
}

/** Working hours elapsed between two instants (fractional), counting only workday hours in [start, end). */
export function workingHoursBetween(start: Date, end: Date, tz: string, wh: WorkingHours = {}): number {
  const startHour = wh.startHour ?? 9;
  const endHour = wh.endHour ?? 18;
  const workdays = wh.workdays ?? [1, 2, 3, 4, 5];
  if (end <= start) return 0;
  let total = 0;
  let w = wallClock(start, tz);
  for (let i = 0; i < 400; i++) {
    const dayOpen = zonedTime({ year: w.year, month: w.month, day: w.day, hour: startHour, minute: 0 }, tz);
    const dayClose = zonedTime({ year: w.year, month: w.month, day: w.day, hour: endHour, minute: 0 }, tz);
    if (workdays.includes(w.weekday)) {
      const from = Math.max(dayOpen.getTime(), start.getTime());
      const to = Math.min(dayClose.getTime(), end.getTime());
      if (to > from) total += (to - from) / 3600_000;
    }
    const next = zonedTime({ year: w.year, month: w.month, day: w.day + 1, hour: 0, minute: 0 }, tz);
    if (next >= end) break;
    w = wallClock(next, tz);
  }
  return total;
}
