// DingTalk robot messages (HTTP callback body = Stream robot frame data) and card callbacks → InboundEvents.
import { z } from 'zod';
import type { InboundEvent } from '../../src/adapter.js';
import { parseJsonData } from '../plain-data.js';

/** Stream re-pushes an un-acked callback after ~60 s; HTTP callbacks should be answered at once. */
export const DINGTALK_DEADLINE_MS = 5000;

const id = z.string().min(1).max(256);

export const robotMessageSchema = z.object({
  msgId: id,
  msgtype: z.string(),
  text: z.object({ content: z.string().max(20_000) }).optional(),
  /** Audio: `{duration, downloadCode, recognition}` — recognition is DingTalk's transcript; other types differ. */
  content: z.unknown().optional(),
  conversationType: z.enum(['1', '2']),
  conversationId: id,
  senderStaffId: z.string().max(128).optional(),
  senderNick: z.string().max(128).optional(),
  chatbotCorpId: z.string().max(128).optional(),
  senderCorpId: z.string().max(128).optional(),
  robotCode: z.string().max(128).optional(),
  atUsers: z.array(z.object({ staffId: z.string().optional(), dingtalkId: z.string().optional() })).optional(),
});

export type RobotMessage = z.infer<typeof robotMessageSchema>;

/**
 * The text of a robot message without the leading @mentions (in groups DingTalk leaves the robot's name and a
 * space in front of what the user typed).
 */
export function stripMention(content: string): string {
  return content.replace(/^\s*(@\S+\s+)*/, '').trim();
}

/** DingTalk's transcript of an audio message (content.recognition), when it gave one. */
function recognition(m: RobotMessage): string | undefined {
  if (m.msgtype !== 'audio' || !m.content || typeof m.content !== 'object') return undefined;
  const r = (m.content as { recognition?: unknown }).recognition;
  return typeof r === 'string' && r.trim() && r.length <= 20_000 ? r.trim() : undefined;
}

export function decodeRobotMessage(m: RobotMessage, now: Date): InboundEvent | 'external' {
  // External contacts carry no senderStaffId: they are not members of our organisation and cannot use the CRM.
  if (!m.senderStaffId) return 'external';
  const direct = m.conversationType === '1';
  const spoken = recognition(m);
  return {
    platform: 'dingtalk',
    type: 'message',
    tenantKey: m.chatbotCorpId ?? m.senderCorpId ?? 'dingtalk',
    eventKey: m.msgId,
    actor: { platformUserId: m.senderStaffId, ...(m.senderNick ? { displayName: m.senderNick } : {}) },
    chat: direct ? { id: m.senderStaffId, kind: 'direct' } : { id: m.conversationId, kind: 'group' },
    receivedAt: now,
    text: spoken ?? (m.text ? stripMention(m.text.content) : ''),
    // A voice note with a transcript is read as spoken text; pictures, files, rich text (and audio without one):
    // told politely what is read.
    ...(spoken ? { spoken: true } : m.msgtype === 'text' && m.text ? {} : { nonText: m.msgtype }),
    mentions: (m.atUsers ?? []).map((u) => u.staffId).filter((x): x is string => Boolean(x)),
    raw: { conversationType: m.conversationType },
  };
}

export const cardCallbackSchema = z.object({
  outTrackId: id,
  userId: id,
  corpId: z.string().max(128).optional(),
  content: z.string().max(20_000),
});

/** A template-card button click: `content` is JSON `{cardPrivateData:{actionIds:[…], params:{d:"…"}}}`. */
export function decodeCardCallback(data: unknown, now: Date): InboundEvent | null {
  const parsed = cardCallbackSchema.safeParse(data);
  if (!parsed.success) return null;
  const c = parsed.data;
  let actionIds: string[] = [];
  let payload = '';
  try {
    const content = parseJsonData(c.content) as { cardPrivateData?: { actionIds?: unknown; params?: Record<string, unknown> } };
    actionIds = Array.isArray(content.cardPrivateData?.actionIds) ? content.cardPrivateData.actionIds.map(String) : [];
    const d = content.cardPrivateData?.params?.d;
    payload = typeof d === 'string' ? d : '';
  } catch {
    return null;
  }
  let action = '';
  try {
    action = String((parseJsonData(payload) as { a?: unknown }).a ?? '');
  } catch {
    // Not our button: the core answers "card expired".
  }
  return {
    platform: 'dingtalk',
    type: 'card_action',
    tenantKey: c.corpId ?? 'dingtalk',
    eventKey: `${c.outTrackId}:${c.userId}:${actionIds.join(',')}`,
    actor: { platformUserId: c.userId },
    chat: { id: c.userId, kind: 'direct' },
    receivedAt: now,
    action,
    data: payload,
    cardRef: c.outTrackId,
    deadlineMs: DINGTALK_DEADLINE_MS,
  };
}
