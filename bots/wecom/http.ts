// WeCom callback routes (doc 90238, 91116). Order: size → strict envelope extractor → signature → timestamp → decrypt → receive id → parse →
// dispatch. Anything failing a check gets 401/400 with an empty body and never reaches the database.
import type { Dispatch, HttpRoute, RawReply, RawRequest } from '../../src/adapter.js';
import type { WecomConfig } from './config.js';
import { WecomCryptoError, decryptStrict, encryptReply, getSignature } from './crypto.js';
import { WecomMalformedError, decodeMessage, extractEnvelope } from './decode.js';
import { checkTimestamp, verifySignature } from './verify.js';

export const MAX_BODY_BYTES = 64 * 1024;
const empty = (status: number): RawReply => ({ status, body: '' });

export function wecomRoutes(config: WecomConfig, now: () => number = Date.now): HttpRoute[] {
  return [
    { method: 'GET', path: '/bots/wecom/callback', handle: (req) => verifyUrl(config, req, now) },
    { method: 'POST', path: '/bots/wecom/callback', handle: (req, dispatch) => receive(config, req, dispatch, now) },
  ];
}

/** URL verification: answer the decrypted echostr as the whole body, within 1 s. */
async function verifyUrl(config: WecomConfig, req: RawRequest, now: () => number): Promise<RawReply> {
  const { msg_signature: signature = '', timestamp = '', nonce = '' } = req.query;
  // Form-decoding turns base64 '+' into ' '; restore it.
  const echostr = (req.query.echostr ?? '').replace(/ /g, '+');
  if (!verifySignature({ token: config.token, timestamp, nonce, encrypted: echostr, signature })) return empty(401);
  if (!checkTimestamp(timestamp, now())) return empty(401);
  try {
    const { message, receiveId } = decryptStrict(config.encodingAesKey, echostr);
    if (receiveId !== config.corpId) return empty(401);
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: message };
  } catch {
    return empty(400);
  }
}

async function receive(config: WecomConfig, req: RawRequest, dispatch: Dispatch, now: () => number): Promise<RawReply> {
  if (req.body.length > MAX_BODY_BYTES) return empty(413);
  const { msg_signature: signature = '', timestamp = '', nonce = '' } = req.query;
  // Strict extractor first (size and element count), XML only after the signature: see extractEnvelope.
  const env = extractEnvelope(req.body.toString('utf8'));
  if (!env) return empty(400);
  const encrypted = env.Encrypt;
  if (env.ToUserName !== config.corpId) return empty(401);
  if (env.AgentID && env.AgentID !== String(config.agentId)) return empty(401);
  if (!verifySignature({ token: config.token, timestamp, nonce, encrypted, signature })) return empty(401);
  if (!checkTimestamp(timestamp, now())) return empty(401);
  let event;
  try {
    const { message, receiveId } = decryptStrict(config.encodingAesKey, encrypted);
    if (receiveId !== config.corpId) return empty(401);
    event = decodeMessage(message, config.corpId, new Date(now()));
  } catch (err) {
    if (err instanceof WecomCryptoError || err instanceof WecomMalformedError) return empty(400);
    throw err;
  }
  if (!event) return empty(200);
  // A failure here is ours: answer 500 so WeCom retries; the inbound-events claim makes the retry safe.
  const outcome = await dispatch(event);
  if (event.type === 'card_action' && outcome.card) {
    return passiveButtonReply(config, event.actor.platformUserId, outcome.card, timestamp, nonce);
  }
  return empty(200);
}

/**
 * Greys the clicker's buttons at once (doc 90241 模板卡片更新消息, update_button); the card changes for everyone
 * later through update_template_card when the request closes.
 */
function passiveButtonReply(config: WecomConfig, user: string, card: { kind: string; state: string }, timestamp: string, nonce: string): RawReply {
  const { kind, state } = card;
  const label = kind === 'voice' ? (state === 'success' ? '已记录' : '未记录') : state === 'success' ? '已通过' : state === 'danger' ? '已驳回' : '已处理';
  const plain =
    `<xml><ToUserName><![CDATA[${user}]]></ToUserName><FromUserName><![CDATA[${config.corpId}]]></FromUserName>` +
    `<CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[update_button]]></MsgType>` +
    `<Button><ReplaceName><![CDATA[${label}]]></ReplaceName></Button></xml>`;
  const encrypted = encryptReply(config.encodingAesKey, plain, config.corpId);
  const signature = getSignature(config.token, timestamp, nonce, encrypted);
  return {
    status: 200,
    headers: { 'content-type': 'application/xml; charset=utf-8' },
    body: `<xml><Encrypt><![CDATA[${encrypted}]]></Encrypt><MsgSignature><![CDATA[${signature}]]></MsgSignature><TimeStamp>${timestamp}</TimeStamp><Nonce><![CDATA[${nonce}]]></Nonce></xml>`,
  };
}
