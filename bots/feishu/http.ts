// Feishu webhook route (docs "将事件发送至开发者服务器"): events and card callbacks share POST /bots/feishu/events.
// Order: size → JSON → signature over the raw bytes (constant time) → timestamp window → decrypt → token and
// app id → dispatch. A request failing any check gets 401/400 and never reaches the database.
import type { Dispatch, HttpRoute, RawReply, RawRequest } from '../../src/adapter.js';
import type { FeishuConfig } from './config.js';
import { FeishuCryptoError, decryptEvent } from './crypto.js';
import { checkTimestamp, safeEqual, verifyFeishuSignature } from './verify.js';
import type { FeishuEvents } from './events.js';
import { parseJsonData } from '../plain-data.js';

export const MAX_BODY_BYTES = 64 * 1024;
const json = (status: number, body: unknown = {}): RawReply => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

export function feishuRoutes(config: FeishuConfig, events: FeishuEvents, now: () => number = Date.now): HttpRoute[] {
  return [{ method: 'POST', path: '/bots/feishu/events', handle: (req, dispatch) => receive(config, events, req, dispatch, now) }];
}

async function receive(config: FeishuConfig, events: FeishuEvents, req: RawRequest, dispatch: Dispatch, now: () => number): Promise<RawReply> {
  if (req.body.length === 0 || req.body.length > MAX_BODY_BYTES) return json(req.body.length ? 413 : 400);
  let outer: Record<string, unknown>;
  try {
    outer = parseJsonData(req.body.toString('utf8')) as Record<string, unknown>;
    if (!outer || typeof outer !== 'object' || Array.isArray(outer) || typeof outer.encrypt !== 'string') return json(400);
  } catch {
    return json(400);
  }
  const timestamp = req.headers['x-lark-request-timestamp'] ?? '';
  const nonce = req.headers['x-lark-request-nonce'] ?? '';
  const signature = req.headers['x-lark-signature'] ?? '';
  const signed = signature !== '';
  if (signed) {
    if (!verifyFeishuSignature({ timestamp, nonce, encryptKey: config.encryptKey, body: req.body, signature })) return json(401);
    if (!checkTimestamp(timestamp, now())) return json(401);
  }
  let body: Record<string, unknown>;
  try {
    body = decryptEvent(config.encryptKey, outer.encrypt as string);
  } catch (err) {
    if (err instanceof FeishuCryptoError) return json(400);
    throw err;
  }
  const header = (body.header ?? {}) as Record<string, unknown>;
  const token = header.token ?? body.token;
  if (typeof token !== 'string' || !safeEqual(token, config.verificationToken)) return json(401);
  // The URL-verification handshake is the only unsigned request Feishu sends; it touches nothing.
  if (body.type === 'url_verification') {
    return typeof body.challenge === 'string' ? json(200, { challenge: body.challenge }) : json(400);
  }
  if (!signed) return json(401);
  if (body.schema !== '2.0' || typeof header.event_type !== 'string') return json(400);
  if (header.app_id !== undefined && header.app_id !== config.appId) return json(401);
  // A failure here is ours (e.g. database down): 500 makes Feishu re-push, and the event-id claim makes that safe.
  return json(200, await events.handle(body, dispatch));
}
