// Display helpers shared by the card builders (money in fen, times in the tenant zone). Pure.
export function yuan(fen: number): string {
  const abs = Math.abs(Math.trunc(fen));
  return `${fen < 0 ? '-' : ''}¥${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

export function shortTime(d: Date, tz: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A stage conversion rate as a percentage; "—" when no deal reached the earlier stage. */
export const conversionText = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 100)}%`);

/** Average cycle time of won deals; "暂无成交" rather than "0 天" when none was won. */
export const cycleText = (days: number | null) => (days === null ? '暂无成交' : `${days} 天`);
