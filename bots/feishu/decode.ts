// Feishu events (schema 2.0, as flattened by the SDK's EventDispatcher: header and event fields at top level)
// → platform-neutral InboundEvents. Strict zod shapes; anything else is ignored, never half-handled.
import { z } from 'zod';
import type { InboundEvent } from '../../src/adapter.js';
import { parseJsonData } from '../plain-data.js';

/** Feishu waits 3 s for the answer to events and card callbacks (webhook and long connection). */
export const FEISHU_DEADLINE_MS = 3000;

const id = z.string().min(1).max(128);

export const messageEventSchema = z.object({
  event_id: id,
  tenant_key: z.string().min(1).max(128),
  sender: z.object({ sender_id: z.object({ open_id: id }), sender_type: z.string().optional() }),
  message: z.object({
    message_id: id,
    chat_id: id,
    chat_type: z.string(),
    message_type: z.string(),
    content: z.string().max(150_000),
    mentions: z.array(z.object({ key: z.string(), name: z.string().optional(), id: z.object({ open_id: z.string().optional() }).optional() })).optional(),
  }),
});

export const cardActionSchema = z.object({
  event_id: id,
  tenant_key: z.string().min(1).max(128),
  operator: z.object({ open_id: id }),
  action: z.object({ value: z.record(z.string(), z.unknown()).optional(), tag: z.string().optional() }),
  context: z.object({ open_message_id: id.optional(), open_chat_id: id.optional() }).optional(),
});

export function decodeMessageEvent(data: unknown, now: Date): InboundEvent | null {
  const parsed = messageEventSchema.safeParse(data);
  if (!parsed.success) return null;
  const { message: m, sender } = parsed.data;
  if (sender.sender_type && sender.sender_type !== 'user') return null;
  let text = '';
  try {
    text = m.message_type === 'text' ? String((parseJsonData(m.content) as { text?: unknown }).text ?? '') : m.message_type === 'post' ? postText(parseJsonData(m.content)) : '';
  } catch {
    return null;
  }
  const { text: clean, mentioned } = stripMentions(text, m.mentions ?? []);
  const direct = m.chat_type === 'p2p';
  return {
    platform: 'feishu',
    type: 'message',
    tenantKey: parsed.data.tenant_key,
    eventKey: parsed.data.event_id,
    actor: { platformUserId: sender.sender_id.open_id },
    // Replies to a one-to-one chat go to the person (open_id); group replies go to the chat (chat_id).
    chat: direct ? { id: sender.sender_id.open_id, kind: 'direct' } : { id: m.chat_id, kind: 'group' },
    receivedAt: now,
    text: clean,
    mentions: mentioned,
    // Pictures, files, stickers…: told politely that only text is read.
    ...(m.message_type === 'text' || m.message_type === 'post' ? {} : { nonText: m.message_type }),
    raw: { message_id: m.message_id, chat_type: m.chat_type },
  };
}

/** Rich text (`post`): its title and text runs, line by line; mentions keep their placeholder key. */
function postText(content: unknown): string {
  const c = content as { title?: unknown; content?: unknown };
  const lines = Array.isArray(c.content) ? c.content : [];
  const body = lines.map((line) =>
    (Array.isArray(line) ? line : [])
      .map((el: { tag?: unknown; text?: unknown; user_id?: unknown }) => (el.tag === 'text' ? String(el.text ?? '') : el.tag === 'at' ? `@_${String(el.user_id ?? '')}` : ''))
      .join(''),
  );
  return [typeof c.title === 'string' ? c.title : '', ...body].filter(Boolean).join('\n');
}

/**
 * Mentions arrive as placeholders (`@_user_1`). Leading ones (the bot being addressed) are removed; later ones
 * become the person's name so `/交接 @张三 @李四` reads naturally, and their open_ids are kept.
 */
export function stripMentions(text: string, mentions: Array<{ key: string; name?: string | undefined; id?: { open_id?: string | undefined } | undefined }>) {
  let out = text;
  const mentioned: string[] = [];
  for (const m of mentions) {
    const leading = new RegExp(`^\\s*${escape(m.key)}\\s*`);
    if (leading.test(out)) {
      out = out.replace(leading, '');
      continue;
    }
    if (m.id?.open_id) mentioned.push(m.id.open_id);
    out = out.split(m.key).join(m.name ? `@${m.name}` : '');
  }
  return { text: out.trim(), mentioned };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function decodeCardAction(data: unknown, now: Date): InboundEvent | null {
  const parsed = cardActionSchema.safeParse(data);
  if (!parsed.success) return null;
  const e = parsed.data;
  const value = e.action.value ?? {};
  const payload = typeof value.d === 'string' ? value.d : '';
  let action = '';
  try {
    action = String((parseJsonData(payload) as { a?: unknown }).a ?? '');
  } catch {
    // Not our button; the core answers "card expired".
  }
  return {
    platform: 'feishu',
    type: 'card_action',
    tenantKey: e.tenant_key,
    eventKey: e.event_id,
    actor: { platformUserId: e.operator.open_id },
    chat: { id: e.operator.open_id, kind: 'direct' },
    receivedAt: now,
    action,
    data: payload,
    ...(e.context?.open_message_id ? { cardRef: e.context.open_message_id } : {}),
    deadlineMs: FEISHU_DEADLINE_MS,
  };
}
