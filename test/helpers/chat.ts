// Conversations through the real console adapter: dispatch → outbox → console mailbox, as `npm run chat` does.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DispatchOutcome, OutboundMessage } from '../../src/adapter.js';
import { consoleEvent, createConsoleAdapter, type ConsoleRequest } from '../../bots/console/adapter.js';
import { takeMailbox, type MailboxEntry } from '../../bots/console/mailbox.js';
import { renderConsoleCard } from '../../cards/console/render.js';
import type { CardButton } from '../../cards/model.js';
import { plainText } from '../../cards/markup.js';
import type { Db } from '../../src/db/client.js';
import { createDispatch } from '../../src/inbound/dispatch.js';
import { createOutboxWorker } from '../../src/outbox/worker.js';

export type Role = NonNullable<ConsoleRequest['role']>;

export function messageText(m: OutboundMessage): string {
  if (m.type === 'card') return renderConsoleCard(m.card);
  return m.type === 'markdown' && m.title ? `${m.title}\n${plainText(m.text)}` : plainText(m.text);
}

export interface Said {
  outcome: DispatchOutcome;
  entries: MailboxEntry[];
  /** All replies rendered as console text, joined. */
  text: string;
}

export function createChat(db: Db, opts: { now?: () => Date } = {}) {
  const now = opts.now ?? (() => new Date());
  const mailboxDir = mkdtempSync(join(tmpdir(), 'chatcrm-mailbox-'));
  const adapter = createConsoleAdapter({ mailboxDir, now: () => now().getTime() });
  const worker = createOutboxWorker({ db, adapters: [adapter], now });
  const dispatch = createDispatch({ db, defaultTimeZone: 'Asia/Shanghai', now });
  let seq = 0;

  async function send(user: string, req: Omit<ConsoleRequest, 'user' | 'eventKey'> & { eventKey?: string }, role?: Role): Promise<Said> {
    const request: ConsoleRequest = { user, eventKey: req.eventKey ?? `t-${process.pid}-${++seq}-${Math.random()}`, ...req, ...(role ? { role } : {}) };
    const outcome = await dispatch(consoleEvent(request, now()));
    await worker.drain();
    const entries = takeMailbox(mailboxDir, user);
    return { outcome, entries, text: entries.map(entryText).join('\n---\n') };
  }

  return {
    dispatch,
    worker,
    mailboxDir,
    /** Sends a chat line as `user` (created with `role` on first use). */
    say: (user: string, text: string, o: { role?: Role; eventKey?: string; group?: string } = {}) =>
      send(user, { text, ...(o.eventKey ? { eventKey: o.eventKey } : {}), ...(o.group ? { group: o.group } : {}) }, o.role),
    /** Clicks a button of a card the user received. */
    click: (user: string, button: CardButton, cardRef?: string, o: { eventKey?: string } = {}) =>
      send(user, { action: { name: button.action, data: button.data, ...(cardRef ? { cardRef } : {}) }, ...(o.eventKey ? { eventKey: o.eventKey } : {}) }),
    /** Messages that reached `user` meanwhile (cards for approvers, notifications). */
    async inbox(user: string): Promise<MailboxEntry[]> {
      await worker.drain();
      return takeMailbox(mailboxDir, user);
    },
  };
}

export function entryText(e: MailboxEntry): string {
  return e.kind === 'message' ? messageText(e.message) : `[卡片已更新]\n${renderConsoleCard(e.card)}`;
}

export type Chat = ReturnType<typeof createChat>;
