// The console adapter: the same ChatAdapter contract over a local mailbox and a signed loopback HTTP route,
// so `npm run chat` exercises exactly the code path the platforms use.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ChatAdapter, Dispatch, InboundEvent, RawReply, RawRequest } from '../../src/adapter.js';
import { appendToMailbox, cardRefFor, saveFile, userOfCardRef } from './mailbox.js';
import { ROLES } from '../../src/domain/roles.js';
import { signLocalRequest } from '../../src/server/local-secret.js';

export const CONSOLE_TENANT_KEY = 'console';
/** Requests older than this are refused (replay window). */
const WINDOW_MS = 5 * 60_000;

export const consoleRequestSchema = z.object({
  user: z.string().min(1).max(64),
  role: z.enum(ROLES).optional(),
  eventKey: z.string().min(1).max(128),
  /** `npm run chat -- --group 华东群`: the message is said in this group chat (replies go to the group's mailbox). */
  group: z.string().min(1).max(64).optional(),
  // Only bounds the request: a message over the core's limit (MESSAGE_MAX_CHARS, src/domain/text-gate.ts) reaches
  // the core, which tells the user in Chinese how long it may be — as the direct console and every platform do.
  text: z.string().max(64_000).optional(),
  action: z.object({ name: z.string().max(64), data: z.string().max(1024), cardRef: z.string().max(256).optional() }).optional(),
});
export type ConsoleRequest = z.infer<typeof consoleRequestSchema>;

/** The console route is signed like every local tool (src/server/local-secret.ts). */
export const signConsoleRequest = signLocalRequest;

export function consoleEvent(req: ConsoleRequest, now = new Date()): InboundEvent {
  const base = {
    platform: 'console' as const,
    tenantKey: CONSOLE_TENANT_KEY,
    eventKey: req.eventKey,
    actor: { platformUserId: req.user, displayName: req.user, ...(req.role ? { roleIfNew: req.role } : {}) },
    chat: req.group ? { id: req.group, kind: 'group' as const } : { id: req.user, kind: 'direct' as const },
    receivedAt: now,
  };
  if (req.action) {
    return {
      ...base,
      type: 'card_action',
      action: req.action.name,
      data: req.action.data,
      ...(req.action.cardRef ? { cardRef: req.action.cardRef } : {}),
      deadlineMs: 10_000,
    };
  }
  return { ...base, type: 'message', text: req.text ?? '', mentions: [] };
}

export interface ConsoleAdapterOptions {
  mailboxDir: string;
  /** Shared secret for the loopback route (DATA_DIR/console.key); absent = route disabled. */
  secret?: string;
  now?: () => number;
}

export function createConsoleAdapter(opts: ConsoleAdapterOptions): ChatAdapter {
  const now = opts.now ?? Date.now;
  return {
    platform: 'console',
    httpRoutes: opts.secret
      ? [{ method: 'POST', path: '/bots/console/message', handle: (req, dispatch) => handle(req, dispatch, opts.secret!, now) }]
      : [],
    async send(target, message) {
      const cardRef = cardRefFor(target.id, randomUUID());
      if (message.type === 'file' || message.type === 'image') {
        const savedAs = saveFile(opts.mailboxDir, message.fileName, Buffer.from(message.base64, 'base64'));
        appendToMailbox(opts.mailboxDir, target.id, { kind: 'message', at: new Date(now()).toISOString(), cardRef, message: { ...message, base64: '' }, savedAs });
        return { messageId: cardRef };
      }
      appendToMailbox(opts.mailboxDir, target.id, { kind: 'message', at: new Date(now()).toISOString(), cardRef, message });
      return { messageId: cardRef, cardRef };
    },
    async updateCard(cardRef, card) {
      appendToMailbox(opts.mailboxDir, userOfCardRef(cardRef), { kind: 'update', at: new Date(now()).toISOString(), cardRef, card });
    },
  };
}

async function handle(req: RawRequest, dispatch: Dispatch, secret: string, now: () => number): Promise<RawReply> {
  const ts = req.headers['x-console-timestamp'] ?? '';
  const sig = req.headers['x-console-signature'] ?? '';
  const body = req.body.toString('utf8');
  const expected = Buffer.from(signConsoleRequest(secret, ts, body));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { status: 401, body: '' };
  if (!/^\d{10,16}$/.test(ts) || Math.abs(now() - Number(ts)) > WINDOW_MS) return { status: 401, body: '' };
  let parsed: ConsoleRequest;
  try {
    parsed = consoleRequestSchema.parse(JSON.parse(body));
  } catch {
    return { status: 400, body: '' };
  }
  const outcome = await dispatch(consoleEvent(parsed, new Date(now())));
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(outcome) };
}
