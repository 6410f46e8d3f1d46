// Console renderer: a card as terminal text with numbered buttons the user presses by typing the number.
// Our markup is rendered for the terminal: `**bold**` becomes ANSI bold on a TTY (plain elsewhere), a `#` heading a
// bold line, a `[text](url)` link `text（url）`. User text is never parsed: it only loses control characters
// (so no ANSI escapes from customer names), and a `**` a user typed stays as they typed it.
import { stripInvisible as txt } from '../escape.js';
import { markedTitle } from '../format.js';
import { renderText, type Text } from '../markup.js';
import type { Card } from '../model.js';

export interface ConsoleStyle {
  /** ANSI bold (a TTY); false prints plain text, as for a pipe or a log file. */
  ansi?: boolean;
}

const BOLD_ON = '\u001b[1m';
const BOLD_OFF = '\u001b[22m';

/** A markup text for the terminal: our `**` toggle bold across the user parts they enclose (`**${name}**`). */
export function consoleText(t: Text, style: ConsoleStyle = {}): string {
  let bold = false;
  const own = (s: string) =>
    s
      .replace(/(^|\n)#{1,6} +([^\n]*)/g, (_m, nl: string, h: string) => `${nl}**${h}**`)
      .replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, '$1（$2）')
      .replace(/\*\*/g, () => {
        bold = !bold;
        return style.ansi ? (bold ? BOLD_ON : BOLD_OFF) : '';
      });
  const out = renderText(t, txt, own);
  return bold && style.ansi ? out + BOLD_OFF : out;
}

/** `firstNumber`: the number of the card's first button, so several cards shown together number their buttons on. */
export function renderConsoleCard(card: Card, firstNumber = 1, style: ConsoleStyle = {}): string {
  const b = (s: string) => (style.ansi ? `${BOLD_ON}${s}${BOLD_OFF}` : s);
  const lines = [`┌ ${b(markedTitle(card, txt))}`];
  if (card.subtitle) lines.push(`│ ${txt(card.subtitle)}`);
  for (const f of card.fields) lines.push(`│ ${txt(f.label)}：${txt(f.value)}`);
  if (card.body) for (const l of consoleText(card.body, style).split('\n')) lines.push(`│ ${l}`);
  if (card.link) lines.push(`│ ${txt(card.link.label)}：${txt(card.link.url)}`);
  if (card.buttons.length > 0) lines.push(`│ ${card.buttons.map((x, i) => `[${firstNumber + i}] ${txt(x.label)}`).join('  ')}`);
  if (card.footer) lines.push(`│ ${txt(card.footer)}`);
  lines.push('└');
  return lines.join('\n');
}
