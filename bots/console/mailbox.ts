// The console "platform": each user's messages are appended to a JSON-lines mailbox file under DATA_DIR/console,
// so a message sent while nobody is typing (an approval card for the director) waits for them.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Card } from '../../cards/model.js';
import type { OutboundMessage } from '../../src/adapter.js';

export type MailboxEntry =
  /** A file message is kept without its bytes: they are written to `savedAs` (DATA_DIR/console/files/…). */
  | { kind: 'message'; at: string; cardRef: string; message: OutboundMessage; savedAs?: string }
  | { kind: 'update'; at: string; cardRef: string; card: Card };

const safe = (id: string) => encodeURIComponent(id).replace(/\./g, '%2E');

export function mailboxPath(dir: string, userId: string) {
  return join(dir, `${safe(userId)}.jsonl`);
}

export function appendToMailbox(dir: string, userId: string, entry: MailboxEntry) {
  mkdirSync(dir, { recursive: true });
  appendFileSync(mailboxPath(dir, userId), `${JSON.stringify(entry)}\n`);
}

/** Reads and empties a user's mailbox (rename first, so a concurrent append lands in a new file). */
export function takeMailbox(dir: string, userId: string): MailboxEntry[] {
  const path = mailboxPath(dir, userId);
  if (!existsSync(path)) return [];
  const taken = `${path}.${process.pid}.reading`;
  renameSync(path, taken);
  const lines = readFileSync(taken, 'utf8').split('\n').filter(Boolean);
  rmSync(taken, { force: true });
  return lines.map((l) => JSON.parse(l) as MailboxEntry);
}

/** Writes a file a message carries under dir/files (a safe name of its own, never overwriting). */
export function saveFile(dir: string, fileName: string, bytes: Buffer): string {
  const folder = join(dir, 'files');
  mkdirSync(folder, { recursive: true });
  const base = fileName.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').replace(/^\.+/, '_').slice(0, 120) || 'file';
  let path = join(folder, base);
  for (let n = 2; existsSync(path); n++) path = join(folder, base.replace(/(\.[^.]*)?$/, (ext) => `-${n}${ext}`));
  writeFileSync(path, bytes);
  return path;
}

/** Card updates need to know whose mailbox holds a card: the ref encodes the user. */
export const cardRefFor = (userId: string, n: string) => `${userId}#${n}`;
export const userOfCardRef = (ref: string) => ref.slice(0, ref.lastIndexOf('#'));
