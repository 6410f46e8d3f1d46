// Decrypted WeCom XML → platform-neutral events (doc 90239 消息格式, 90240 事件格式). Values stay strings:
// MsgId is a 64-bit integer that a JS number would corrupt.
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import type { InboundEvent } from '../../src/adapter.js';
import { plainData } from '../plain-data.js';

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
  return plainData(root) as Record<string, unknown>;
}

export interface Envelope {
  ToUserName: string;
  Encrypt: string;
  AgentID?: string;
}

const ENVELOPE_FIELD = /\s*<(ToUserName|Encrypt|AgentID)>(?:<!\[CDATA\[([^\]<>]{1,60000})\]\]>|([^<>\]]{1,60000}))<\/\1>\s*/y;

/**
 * The callback envelope, read BEFORE the signature is checked, so by a small strict extractor instead of an XML
 * parser: `<xml>` holding only ToUserName, Encrypt and (optionally) AgentID, each once, as text or CDATA. Anything
 * else (other or repeated elements, attributes, comments, entities) is refused at once, so an unsigned envelope of
 * thousands of sibling elements costs no more than any other refusal; XML is parsed only after the signature holds.
 */
export function extractEnvelope(xml: string): Envelope | null {
  const m = /^\s*<xml>([\s\S]*)<\/xml>\s*$/.exec(xml);
  if (!m) return null;
  const body = m[1]!;
  const out: Record<string, string> = {};
  ENVELOPE_FIELD.lastIndex = 0;
  let count = 0;
  while (ENVELOPE_FIELD.lastIndex < body.length) {
    const f = ENVELOPE_FIELD.exec(body);
    if (!f || ++count > 3 || out[f[1]!] !== undefined) return null;
    out[f[1]!] = (f[2] ?? f[3]!).trim();
  }
  if (!out.ToUserName || !out.Encrypt) return null;
  return { ToUserName: out.ToUserName, Encrypt: out.Encrypt, ...(out.AgentID ? { AgentID: out.AgentID } : {}) };
}

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
