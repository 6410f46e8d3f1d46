// Prints mailbox entries as text; cards show numbered buttons, which the CLI remembers for the next input. The
// numbers run on across every card printed together, so each shown button stays pressable.
import { consoleText, renderConsoleCard, type ConsoleStyle } from '../../cards/console/render.js';
import { stripInvisible } from '../../cards/escape.js';
import { plainText } from '../../cards/markup.js';
import type { Card, CardButton } from '../../cards/model.js';
import type { MailboxEntry } from './mailbox.js';

/** Bold only for a terminal that shows it: not for a pipe or a file, nor with NO_COLOR set (https://no-color.org). */
export const terminalStyle = (): ConsoleStyle => ({ ansi: process.stdout.isTTY === true && !process.env.NO_COLOR });

/**
 * `from` labels each entry (the chat it reached); `startAt` is the first button's number when cards were printed just
 * before; `style` defaults to what stdout can show.
 */
export function printEntries(
  entries: MailboxEntry[],
  opts: { from?: string; startAt?: number; style?: ConsoleStyle } = {},
): Array<{ button: CardButton; cardRef: string }> {
  const start = opts.startAt ?? 1;
  const style = opts.style ?? terminalStyle();
  const buttons: Array<{ button: CardButton; cardRef: string }> = [];
  const cardText = (card: Card, cardRef: string) => {
    const shown = renderConsoleCard(card, start + buttons.length, style);
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
    } else if (m.type === 'file') {
      console.log(fileLine(m.fileName, e.savedAs));
    } else if (m.type === 'image') {
      console.log(`🖼 图表「${stripInvisible(m.fileName)}」${e.savedAs ? `已保存到 ${e.savedAs}` : ''}`);
    } else {
      console.log(m.type === 'markdown' && m.title ? `【${stripInvisible(m.title)}】\n${consoleText(m.text, style)}` : consoleText(m.text, style));
    }
    console.log('');
  }
  return buttons;
}

/**
 * The toast a button press answered with, unless the same words also arrived as a chat message (most actions reply
 * in both, since not every platform shows toasts): the console shows each answer once.
 */
export function toastToPrint(toast: string | undefined, arrived: MailboxEntry[]): string | undefined {
  if (!toast) return undefined;
  const said = arrived.some((e) => e.kind === 'message' && (e.message.type === 'text' || e.message.type === 'markdown') && plainText(e.message.text).trim() === toast.trim());
  return said ? undefined : toast;
}

/** 📎 报价单-Q-3.pdf → where the console saved it. */
export function fileLine(fileName: string, savedAs: string | undefined): string {
  return `📎 文件「${stripInvisible(fileName)}」${savedAs ? `已保存到 ${savedAs}` : ''}`;
}
