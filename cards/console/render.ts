// Console renderer: a card as plain text with numbered buttons the user presses by typing the number.
import type { Card, CardButton } from '../model.js';

const MARK: Record<Card['state'], string> = { info: 'ℹ️', pending: '⏳', success: '✅', danger: '❌', warning: '⚠️', neutral: '▫️' };

export function renderConsoleCard(card: Card): string {
  const lines = [`┌ ${MARK[card.state]} ${card.title}`];
  if (card.subtitle) lines.push(`│ ${card.subtitle}`);
  for (const f of card.fields) lines.push(`│ ${f.label}：${f.value}`);
  if (card.body) for (const l of card.body.split('\n')) lines.push(`│ ${l.replace(/\*\*/g, '')}`);
  if (card.buttons.length > 0) lines.push(`│ ${card.buttons.map((b, i) => `[${i + 1}] ${b.label}`).join('  ')}`);
  if (card.footer) lines.push(`│ ${card.footer}`);
  lines.push('└');
  return lines.join('\n');
}

export function pressedButton(card: Card, input: string): CardButton | undefined {
  const n = /^\s*(\d+)\s*$/.exec(input);
  return n ? card.buttons[Number(n[1]) - 1] : undefined;
}
