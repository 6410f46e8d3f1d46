// Prints mailbox entries as text; cards show numbered buttons, which the CLI remembers for the next input.
import { renderConsoleCard } from '../../cards/console/render.js';
import { plainText } from '../../cards/markup.js';
import type { CardButton } from '../../cards/model.js';
import type { MailboxEntry } from './mailbox.js';

export function printEntries(entries: MailboxEntry[]): Array<{ button: CardButton; cardRef: string }> {
  let buttons: Array<{ button: CardButton; cardRef: string }> = [];
  for (const e of entries) {
    if (e.kind === 'update') {
      console.log(`🔄 卡片已更新：\n${renderConsoleCard(e.card)}`);
      continue;
    }
    const m = e.message;
    if (m.type === 'card') {
      console.log(renderConsoleCard(m.card));
      buttons = m.card.buttons.map((button) => ({ button, cardRef: e.cardRef }));
    } else {
      console.log(m.type === 'markdown' && m.title ? `【${m.title}】\n${plainText(m.text)}` : plainText(m.text));
    }
    console.log('');
  }
  return buttons;
}
