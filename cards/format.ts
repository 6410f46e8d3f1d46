// Display helpers shared by the card builders (money in fen, times in the tenant zone). Pure.
export function yuan(fen: number): string {
  const abs = Math.abs(Math.trunc(fen));
  return `${fen < 0 ? '-' : ''}¥${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

/** `11-30 09:00`; with the year (`2025-11-30 09:00`) when `d` is not in the current year per `now`. */
export function shortTime(d: Date, tz: string, now: Date = d): string {
  const parts = (x: Date) =>
    Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
        .formatToParts(x)
        .map((y) => [y.type, y.value]),
    );
  const p = parts(d);
  const year = p.year === parts(now).year ? '' : `${p.year}-`;
  return `${year}${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A stage conversion rate as a percentage; "—" when no deal reached the earlier stage. */
export const conversionText = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 100)}%`);

/** Average cycle time of won deals; "暂无成交" rather than "0 天" when none was won. */
export const cycleText = (days: number | null) => (days === null ? '暂无成交' : `${days} 天`);
