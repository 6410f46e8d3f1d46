// Calendar periods in a tenant's zone as local days: this month, this quarter, a typed month (2026-12) or quarter
// (2026Q1), and the months a period spans (targets are stored per month). Pure: "now" and the zone are parameters.
import { wallClock } from './dates.js';

export type PeriodKind = 'month' | 'quarter';

export interface Period {
  kind: PeriodKind;
  /** First local day, YYYY-MM-DD. */
  from: string;
  /** The local day after the last one (exclusive), YYYY-MM-DD. */
  to: string;
  /** The months covered: ['2026-10', '2026-11', '2026-12']. */
  months: string[];
  /** `2026-12` or `2026Q4`. */
  label: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const monthKey = (year: number, month: number) => `${year}-${pad(month)}`;

function span(year: number, firstMonth: number, count: number, kind: PeriodKind): Period {
  const months = Array.from({ length: count }, (_, i) => {
    const m = firstMonth - 1 + i;
    return monthKey(year + Math.floor(m / 12), (m % 12) + 1);
  });
  const end = firstMonth - 1 + count;
  return {
    kind,
    from: `${months[0]}-01`,
    to: `${monthKey(year + Math.floor(end / 12), (end % 12) + 1)}-01`,
    months,
    label: kind === 'month' ? months[0]! : `${year}Q${Math.floor((firstMonth - 1) / 3) + 1}`,
  };
}

/** The month or quarter containing `now` in `tz`. */
export function currentPeriod(kind: PeriodKind, now: Date, tz: string): Period {
  const w = wallClock(now, tz);
  return kind === 'month' ? span(w.year, w.month, 1, 'month') : span(w.year, Math.floor((w.month - 1) / 3) * 3 + 1, 3, 'quarter');
}

/** `2026-12`, `2026年12月`, `12月` (this year), `2026Q1`, `2026-Q1`, `Q1` (this year), `本月`, `本季`. */
export function parsePeriod(text: string, now: Date, tz: string): Period | undefined {
  const s = text.normalize('NFKC').trim().toUpperCase();
  if (s === '本月') return currentPeriod('month', now, tz);
  if (s === '本季' || s === '本季度') return currentPeriod('quarter', now, tz);
  const year = wallClock(now, tz).year;
  let m = /^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*月?$/.exec(s);
  if (m && (m[1] || s.endsWith('月'))) {
    const month = Number(m[2]);
    return month >= 1 && month <= 12 ? span(m[1] ? Number(m[1]) : year, month, 1, 'month') : undefined;
  }
  m = /^(?:(\d{4})\s*[-/]?\s*)?Q([1-4])$/.exec(s) ?? /^(?:(\d{4})\s*年\s*)?(?:第)?([1-4一二三四])季度?$/.exec(s);
  if (m) {
    const q = { 一: 1, 二: 2, 三: 3, 四: 4 }[m[2] as '一'] ?? Number(m[2]);
    return span(m[1] ? Number(m[1]) : year, (q - 1) * 3 + 1, 3, 'quarter');
  }
  return undefined;
}
