// Smart-robot callback frames (doc 101463 智能机器人长连接 → 接收消息回调 / 接收事件回调) → InboundEvents. Frames are
// `{cmd, headers:{req_id}, body}`; the body shapes are checked strictly and anything else is dropped. Event keys are
// `bot:<msgid>` so they can never meet a self-built app MsgId in the shared 'wecom' event table.
import { z } from 'zod';
import type { InboundEvent } from '../../src/adapter.js';
import { parseJsonData } from '../plain-data.js';

/** WeCom allows 5 s to answer a card click with an updated card (aibot_respond_update_msg). */
export const ROBOT_CARD_DEADLINE_MS = 5000;

const id = z.string().min(1).max(256);
const content = z.object({ content: z.string().max(20_000) });

export const robotMessageSchema = z.object({
  msgid: id,
  aibotid: z.string().max(128).optional(),
  chatid: z.string().max(256).optional(),
  chattype: z.enum(['single', 'group']),
  from: z.object({ userid: id }),
  msgtype: z.string().max(32),
  text: content.optional(),
  voice: content.optional(),
});

const cardEvent = z.object({ event_key: z.string().max(2048).optional(), task_id: z.string().max(128).optional() });

export const robotEventSchema = z.object({
  msgid: id,
  aibotid: z.string().max(128).optional(),
  chatid: z.string().max(256).optional(),
  chattype: z.enum(['single', 'group']).optional(),
  from: z.object({ userid: id, corpid: z.string().max(128).optional() }),
  msgtype: z.literal('event'),
  // The SDK's types put event_key/task_id on `event`; the doc nests them in `event.template_card_event`: both read.
  event: cardEvent.extend({ eventtype: z.string().max(64), template_card_event: cardEvent.optional() }),
});

export interface DecodeContext {
  tenantKey: string;
  /** The adapter's app (replies go back through the robot). */
  via: string;
  now: Date;
}

/** In a group WeCom hands the robot only messages that @ it, with `@机器人名` left in front of the text. */
export function stripMention(text: string): string {
  return text.replace(/^\s*(@\S+\s+)*/, '').trim();
}

export function decodeRobotMessage(body: unknown, c: DecodeContext): InboundEvent | null {
  const parsed = robotMessageSchema.safeParse(body);
  if (!parsed.success) return null;
  const m = parsed.data;
  const group = m.chattype === 'group' && m.chatid;
  const base = {
    platform: 'wecom' as const,
    type: 'message' as const,
    tenantKey: c.tenantKey,
    eventKey: `bot:${m.msgid}`,
    actor: { platformUserId: m.from.userid },
    chat: group ? { id: m.chatid!, kind: 'group' as const } : { id: m.from.userid, kind: 'direct' as const },
    via: c.via,
    receivedAt: c.now,
    mentions: [],
    raw: { msgtype: m.msgtype, chattype: m.chattype },
  };
  if (m.msgtype === 'text' && m.text) return { ...base, text: group ? stripMention(m.text.content) : m.text.content.trim() };
  // Voice arrives already transcribed (voice.content): the core reads it as a spoken sentence.
  if (m.msgtype === 'voice' && m.voice && m.voice.content.trim()) return { ...base, text: stripMention(m.voice.content), spoken: true };
  // Pictures, files, videos, mixed messages: told politely that only text is read.
  return { ...base, text: '', nonText: m.msgtype };
}

export function decodeRobotEvent(body: unknown, c: DecodeContext): InboundEvent | null {
  const parsed = robotEventSchema.safeParse(body);
  if (!parsed.success) return null;
  const e = parsed.data;
  if (e.event.eventtype !== 'template_card_event') return null;
  const key = e.event.event_key ?? e.event.template_card_event?.event_key;
  const taskId = e.event.task_id ?? e.event.template_card_event?.task_id;
  if (!key || !taskId) return null;
  let action = '';
  try {
    action = String((parseJsonData(key) as { a?: unknown }).a ?? '');
  } catch {
    // Not our button: the core answers "card expired".
  }
  const group = e.chattype === 'group' && e.chatid;
  return {
    platform: 'wecom',
    type: 'card_action',
    tenantKey: c.tenantKey,
    eventKey: `bot:${e.msgid}`,
    actor: { platformUserId: e.from.userid },
    chat: group ? { id: e.chatid!, kind: 'group' } : { id: e.from.userid, kind: 'direct' },
    via: c.via,
    receivedAt: c.now,
    action,
    data: key,
    cardRef: taskId,
    deadlineMs: ROBOT_CARD_DEADLINE_MS,
  };
}
