// Prints mailbox entries as text; cards show numbered buttons, which the CLI remembers for the next input. The
// numbers run on across every card printed together, so each shown button stays pressable.
import { renderConsoleCard } from '../../cards/console/render.js';
import { plainText } from '../../cards/markup.js';
import type { Card, CardButton } from '../../cards/model.js';
import type { MailboxEntry } from './mailbox.js';

/** `from` labels each entry (the chat it reached); `startAt` is the first button's number when cards were printed just before. */
export function printEntries(entries: MailboxEntry[], opts: { from?: string; startAt?: number } = {}): Array<{ button: CardButton; cardRef: string }> {
  const start = opts.startAt ?? 1;
  const buttons: Array<{ button: CardButton; cardRef: string }> = [];
  const cardText = (card: Card, cardRef: string) => {
    const shown = renderConsoleCard(card, start + buttons.length);
    buttons.push(...card.buttons.map((button) => ({ button, cardRef })));
    return shown;
  };
  for (const e of entries) {
    if (opts.from) console.log(`［${opts.from}］`);
    if (e.kind === 'update') {
      console.log(`🔄 卡片已更新：\n${cardText(e.card, e.cardRef)}`);
      continue;
    }
    const m = e.message;
    if (m.type === 'card') {
      console.log(cardText(m.card, e.cardRef));
    } else {
      console.log(m.type === 'markdown' && m.title ? `【${m.title}】\n${plainText(m.text)}` : plainText(m.text));
    }
    console.log('');
  }
  return buttons;
}
