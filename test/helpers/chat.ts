// Conversations through the production app, as `npm run chat` has them with a server running: each line is a
// signed request to the console route (/bots/console/message) of the app built by src/compose.ts, so it takes the
// same dispatch, outbox lanes and console adapter (mailbox under DATA_DIR/console) as production. One app per test
// database serves every chat on it; a new chat starts with an empty mailbox and its own clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DispatchOutcome, OutboundMessage } from '../../src/adapter.js';
import { signConsoleRequest, type ConsoleRequest } from '../../bots/console/adapter.js';
import { takeMailbox, type MailboxEntry } from '../../bots/console/mailbox.js';
import { readConsoleSecret } from '../../src/server/local-secret.js';
import { renderConsoleCard } from '../../cards/console/render.js';
import type { CardButton } from '../../cards/model.js';
import { plainText } from '../../cards/markup.js';
import type { TestDb } from './db.js';
import { startTestServer, type TestServer } from './server.js';

export type Role = NonNullable<ConsoleRequest['role']>;

export function messageText(m: OutboundMessage): string {
  if (m.type === 'card') return renderConsoleCard(m.card);
  if (m.type === 'file') return `📎 ${m.fileName}`;
  if (m.type === 'image') return `🖼 ${m.fileName}`;
  return m.type === 'markdown' && m.title ? `${m.title}\n${plainText(m.text)}` : plainText(m.text);
}

export interface Said {
  outcome: DispatchOutcome;
  entries: MailboxEntry[];
  /** All replies rendered as console text, joined. */
  text: string;
}

interface Shared {
  dataDir: string;
  app: Promise<TestServer>;
  /** The clock of the chat created last (the app reads the time through it). */
  now: () => Date;
  /** Chats created so far; each waits for the one before it to be started. */
  ready: Promise<unknown>;
}
const shared = new WeakMap<TestDb, Shared>();

function sharedApp(t: TestDb): Shared {
  let s = shared.get(t);
  if (!s) {
    const dataDir = mkdtempSync(join(tmpdir(), 'chatcrm-chat-'));
    const holder: Shared = { dataDir, now: () => new Date(), app: undefined!, ready: Promise.resolve() };
    holder.app = startTestServer(t, { DATA_DIR: dataDir }, { now: () => holder.now() });
    holder.app.catch(() => {}); // reported where it is awaited
    t.onClose(async () => {
      await (await holder.app).close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    shared.set(t, (s = holder));
  }
  return s;
}

export function createChat(t: TestDb, opts: { now?: () => Date } = {}) {
  const now = opts.now ?? (() => new Date());
  const s = sharedApp(t);
  s.now = now;
  const mailboxDir = join(s.dataDir, 'console');
  // Whatever an earlier chat left undelivered or unread is not this chat's.
  const ready = (s.ready = s.ready.then(async () => {
    const app = await s.app;
    await app.settle();
    rmSync(mailboxDir, { recursive: true, force: true });
    return app;
  }));
  let seq = 0;

  async function send(user: string, req: Omit<ConsoleRequest, 'user' | 'eventKey'> & { eventKey?: string }, role?: Role, settle = true): Promise<Said> {
    const app = (await ready) as TestServer;
    const secret = readConsoleSecret(s.dataDir, { create: false })!; // written by the app's console adapter
    const request: ConsoleRequest = { user, eventKey: req.eventKey ?? `t-${process.pid}-${++seq}-${Math.random()}`, ...req, ...(role ? { role } : {}) };
    const body = JSON.stringify(request);
    const ts = String(Date.now()); // the route's replay window is on the wall clock, as the CLI signs it
    const res = await app.server.inject({
      method: 'POST',
      url: '/bots/console/message',
      headers: { 'content-type': 'application/json', 'x-console-timestamp': ts, 'x-console-signature': signConsoleRequest(secret, ts, body) },
      payload: body,
    });
    if (res.statusCode !== 200) throw new Error(`console route answered ${res.statusCode}: ${res.body}`);
    const outcome = res.json() as DispatchOutcome;
    if (!settle) return { outcome, entries: [], text: '' };
    await app.settle();
    const entries = takeMailbox(mailboxDir, user);
    return { outcome, entries, text: entries.map(entryText).join('\n---\n') };
  }

  return {
    mailboxDir,
    /** The production app the chat talks to (its logs, database, background). */
    app: async () => (await ready) as TestServer,
    /** Sends a chat line as `user` (created with `role` on first use). */
    say: (user: string, text: string, o: { role?: Role; eventKey?: string; group?: string } = {}) =>
      send(user, { text, ...(o.eventKey ? { eventKey: o.eventKey } : {}), ...(o.group ? { group: o.group } : {}) }, o.role),
    /** Clicks a button of a card the user received (`settle: false`: answer only, delivery not awaited). */
    click: (user: string, button: CardButton, cardRef?: string, o: { eventKey?: string; settle?: boolean } = {}) =>
      send(user, { action: { name: button.action, data: button.data, ...(cardRef ? { cardRef } : {}) }, ...(o.eventKey ? { eventKey: o.eventKey } : {}) }, undefined, o.settle),
    /** Messages that reached `user` meanwhile (cards for approvers, notifications). */
    async inbox(user: string): Promise<MailboxEntry[]> {
      const app = (await ready) as TestServer;
      await app.settle();
      return takeMailbox(mailboxDir, user);
    },
  };
}

export function entryText(e: MailboxEntry): string {
  return e.kind === 'message' ? messageText(e.message) : `[卡片已更新]\n${renderConsoleCard(e.card)}`;
}

export type Chat = ReturnType<typeof createChat>;
