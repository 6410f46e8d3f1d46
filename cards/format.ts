// Display helpers shared by the card builders and renderers (money in fen, times in the tenant zone, title icons). Pure.
import type { Card } from './model.js';

/** The icon a renderer that has no header colour shows for a card's state (console, DingTalk markdown). */
export const STATE_MARK: Record<Card['state'], string> = { info: 'ℹ️', pending: '⏳', success: '✅', danger: '❌', warning: '⚠️', neutral: '▫️' };

/**
 * The card's title led by its state icon — unless the title already opens with an icon of its own (`⚠️ 升级提醒`,
 * `📊 战报`), which is the more specific one; never two icons in a row. `esc` escapes the title for the platform.
 */
export function markedTitle(card: Pick<Card, 'title' | 'state'>, esc: (s: string) => string = (s) => s): string {
  const title = esc(card.title);
  return /^\p{Extended_Pictographic}/u.test(card.title.trimStart()) ? title : `${STATE_MARK[card.state]} ${title}`;
}
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
