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

/** A part of the day said without an hour (下周二下午): when in it a follow-up is meant. */
const PART_OF_DAY: Record<string, number> = { 上午: 9, 早上: 9, 中午: 12, 下午: 14, 晚上: 19 };

/** 1–31 written with Chinese numerals (八, 十二, 二十八, 三十一) or digits. */
function smallNumber(text: string): number | undefined {
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const m = /^([二三])?(十)?([一二两三四五六七八九])?$/.exec(text);
  if (!m || !text) return undefined;
  if (!m[2]) return text.length === 1 ? CN_SMALL[text] : undefined;
  return (m[1] ? CN_SMALL[m[1]]! : 1) * 10 + (m[3] ? CN_SMALL[m[3]]! : 0);
}

function parseTime(text: string): { hour: number; minute: number } | undefined | null {
  const s = text.trim();
  if (!s) return null;
  if (s in PART_OF_DAY) return { hour: PART_OF_DAY[s]!, minute: 0 };
  let m = /^(上午|早上|中午|下午|晚上)?\s*(\d{1,2})(?::|：)(\d{2})$/.exec(s);
  if (!m) m = /^(上午|早上|中午|下午|晚上)?\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*点(半|钟)?$/.exec(s);
  if (!m) return undefined;
  const h = smallNumber(m[2]!) ?? (m[2] === '两' ? 2 : undefined);
  if (h === undefined) return undefined;
  let hour = h;
  const minute = m[3] === '半' ? 30 : m[3] && m[3] !== '钟' ? Number(m[3]) : 0;
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
  // 月底 / 下个月底: the month's last day; 月初 / 下月初: the first day of next month (spoken dates, voice notes).
  m = /^(本月|这个月|这月|下个?月)?(月底|底|月初|初)(.*)$/.exec(s);
  if (m && (m[2] === '月底' || m[2] === '月初' || m[1])) {
    const t = parseTime(m[3]!);
    if (t === undefined) return { ok: false };
    const at = { hour: t?.hour ?? 9, minute: t?.minute ?? 0 };
    // Day 0 of a month is the last day of the one before; the start of a month is always the next one's.
    if (m[2]!.endsWith('底')) return { ok: true, date: zonedTime({ year: today.year, month: today.month + (m[1]?.startsWith('下') ? 2 : 1), day: 0, ...at }, tz) };
    return { ok: true, date: zonedTime({ year: today.year, month: today.month + 1, day: 1, ...at }, tz) };
  }
  m = /^(下下|下|这|本)?(?:周|星期|礼拜)([一二三四五六日天])(.*)$/.exec(s);
  if (m) {
    const target = CN_WEEKDAY[m[2]!]!;
    let offset: number;
    if (m[1] === '下') offset = 7 - today.weekday + target;
    else if (m[1] === '下下') offset = 14 - today.weekday + target;
    else offset = target >= today.weekday ? target - today.weekday : 7 - today.weekday + target;
    return atDay(offset, m[3]!);
  }
  m = /^(?:(\d{4})[-/.年])?(\d{1,2}|[一二三四五六七八九十]{1,2})(?:[-/.]|月)(\d{1,2}|[一二三四五六七八九十]{1,3})[日号]?(?:\s+|$)?(.*)$/.exec(s);
  if (m && (/^\d+$/.test(m[2]!) || s.includes('月'))) {
    const month = smallNumber(m[2]!) ?? 0;
    const day = smallNumber(m[3]!) ?? 0;
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
  // 8号 / 二十八号: the next such day of a month (this month's when it is still to come).
  m = /^(\d{1,2}|[一二三四五六七八九十]{1,3})[号日](.*)$/.exec(s);
  if (m) {
    const day = smallNumber(m[1]!);
    const t = parseTime(m[2]!);
    if (!day || day > 31 || t === undefined) return { ok: false };
    for (let add = day >= today.day ? 0 : 1; add <= 2; add++) {
      const candidate: Date = new Date(Date.UTC(today.year, today.month - 1 + add, day));
      if (candidate.getUTCDate() !== day) continue; // no 31st in this month: the next month that has one
      return { ok: true, date: zonedTime({ year: candidate.getUTCFullYear(), month: candidate.getUTCMonth() + 1, day, hour: t?.hour ?? 9, minute: t?.minute ?? 0 }, tz) };
    }
    return { ok: false };
  }
  return { ok: false };
}

/** The date phrases a spoken sentence may carry (下周二下午, 月底, 12月8号, 明天上午十点). */
const SPOKEN_DATE =
  /(?:今天|明天|后天|大后天|(?:下下|下|这|本)?(?:周|星期|礼拜)[一二三四五六日天]|(?:本月|这个月|这月|下个?月)?(?:月底|月初)|(?:下个?月)(?:底|初)|(?:\d{1,2}|[一二三四五六七八九十]{1,2})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号]?|\d{1,2}[-/.]\d{1,2}|(?:\d{1,2}|[一二三四五六七八九十]{1,3})号)(?:上午|早上|中午|下午|晚上)?(?:(?:\d{1,2}|[一二两三四五六七八九十]{1,3})点(?:半|钟)?)?/g;

/**
 * The first date in a sentence that parses and is today or later, with the words that said it: a voice note's
 * "下周二下午再打给他" gives next Tuesday 14:00. Past dates (11月20号 said in December) and today without a time
 * still to come are skipped: the sentence reports on them.
 */
export function findSpokenDate(sentence: string, now: Date, tz: string): { date: Date; phrase: string } | undefined {
  const s = sentence.normalize('NFKC');
  let later: { date: Date; phrase: string } | undefined;
  for (const m of s.matchAll(SPOKEN_DATE)) {
    const phrase = m[0];
    const r = parseDueDate(phrase.replace(/(上午|早上|中午|下午|晚上|\d点|[一二两三四五六七八九十]点)/, ' $1').replace(/\s+/g, ' '), now, tz);
    const parsed = r.ok ? r : parseDueDate(phrase, now, tz);
    // A yearless date that already passed this year is one the sentence reports on, not next year's.
    if (!parsed.ok || parsed.rolledOver || isBeforeToday(parsed.date, now, tz)) continue;
    // "今天电话聊了…，月底再联系": today is what happened; a later day is the next contact. Today counts only
    // with a time still to come (今天下午三点再打).
    if (formatDay(parsed.date, tz) > formatDay(now, tz)) return { date: parsed.date, phrase };
    if (!later && /点|上午|早上|中午|下午|晚上/.test(phrase) && parsed.date > now) later = { date: parsed.date, phrase };
  }
  return later;
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
