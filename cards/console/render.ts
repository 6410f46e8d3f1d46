// Console renderer: a card as plain text with numbered buttons the user presses by typing the number.
// A terminal renders no markup, so user text only loses control characters (no ANSI escapes from customer names).
import { stripInvisible as txt } from '../escape.js';
import { plainText } from '../markup.js';
import type { Card, CardButton } from '../model.js';

const MARK: Record<Card['state'], string> = { info: 'ℹ️', pending: '⏳', success: '✅', danger: '❌', warning: '⚠️', neutral: '▫️' };

/** `firstNumber`: the number of the card's first button, so several cards shown together number their buttons on. */
export function renderConsoleCard(card: Card, firstNumber = 1): string {
  const lines = [`┌ ${MARK[card.state]} ${txt(card.title)}`];
  if (card.subtitle) lines.push(`│ ${txt(card.subtitle)}`);
  for (const f of card.fields) lines.push(`│ ${txt(f.label)}：${txt(f.value)}`);
  if (card.body) for (const l of txt(plainText(card.body)).split('\n')) lines.push(`│ ${l}`);
  if (card.buttons.length > 0) lines.push(`│ ${card.buttons.map((b, i) => `[${firstNumber + i}] ${txt(b.label)}`).join('  ')}`);
  if (card.footer) lines.push(`│ ${txt(card.footer)}`);
  lines.push('└');
  return lines.join('\n');
}

export function pressedButton(card: Card, input: string): CardButton | undefined {
  const n = /^\s*(\d+)\s*$/.exec(input);
  return n ? card.buttons[Number(n[1]) - 1] : undefined;
}
