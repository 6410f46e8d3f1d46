// Decrypted WeCom XML → platform-neutral events (doc 90239 消息格式, 90240 事件格式). Values stay strings:
// MsgId is a 64-bit integer that a JS number would corrupt.
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import type { InboundEvent } from '../adapter.js';

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: false,
  trimValues: true,
  cdataPropName: false,
});

export class WecomMalformedError extends Error {}

/** Parses an XML document into its `<xml>` element's children; refuses DOCTYPE/ENTITY (XXE) and non-XML. */
export function parseXml(xml: string): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new WecomMalformedError('DOCTYPE not allowed');
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch {
    throw new WecomMalformedError('not XML');
  }
  const root = (doc as { xml?: unknown }).xml;
  if (!root || typeof root !== 'object') throw new WecomMalformedError('no <xml> root');
  return root as Record<string, unknown>;
}

export const envelopeSchema = z.object({
  ToUserName: z.string().min(1),
  AgentID: z.string().optional(),
  Encrypt: z.string().min(1),
});

const text = z.string();
const messageSchema = z.object({
  ToUserName: text,
  FromUserName: text.min(1),
  CreateTime: text.regex(/^\d+$/),
  MsgType: text,
  Content: text.optional(),
  MsgId: text.optional(),
  AgentID: text.optional(),
  Event: text.optional(),
  EventKey: text.optional(),
  TaskId: text.optional(),
  ResponseCode: text.optional(),
});

/** WeCom waits 5 s for an answer to a callback. */
export const CARD_DEADLINE_MS = 5000;

export function decodeMessage(xml: string, corpId: string, now: Date): InboundEvent | null {
  const parsed = messageSchema.safeParse(parseXml(xml));
  if (!parsed.success) throw new WecomMalformedError('unexpected message shape');
  const m = parsed.data;
  const base = {
    platform: 'wecom' as const,
    tenantKey: corpId,
    actor: { platformUserId: m.FromUserName },
    // Self-built apps only receive one-to-one messages (no ChatId in the callback).
    chat: { id: m.FromUserName, kind: 'direct' as const },
    receivedAt: now,
    raw: { MsgType: m.MsgType, Event: m.Event },
  };
  if (m.MsgType === 'text' && m.MsgId && m.Content !== undefined) {
    return { ...base, type: 'message', eventKey: m.MsgId, text: m.Content, mentions: [] };
  }
  // Pictures, voice notes, files, locations, links (doc 90239): told politely that only text is read.
  if (m.MsgType !== 'event' && m.MsgId) {
    return { ...base, type: 'message', eventKey: m.MsgId, text: '', mentions: [], nonText: m.MsgType };
  }
  if (m.MsgType === 'event' && m.Event === 'template_card_event' && m.EventKey && m.TaskId) {
    let action = '';
    try {
      action = String((JSON.parse(m.EventKey) as { a?: unknown }).a ?? '');
    } catch {
      // Not our action data; the core will answer "card expired".
    }
    return {
      ...base,
      type: 'card_action',
      // Two approvers may click in the same second: the task and button make the key unique.
      eventKey: `${m.FromUserName}:${m.CreateTime}:${m.TaskId}:${m.EventKey}`,
      action,
      data: m.EventKey,
      ...(m.ResponseCode ? { cardRef: m.ResponseCode } : {}),
      deadlineMs: CARD_DEADLINE_MS,
    };
  }
  return null;
}
