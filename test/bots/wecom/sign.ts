// Builds real WeCom callbacks: AES-256-CBC encrypted with the app's EncodingAESKey and SHA-1 signed, exactly as
// WeCom does (doc 91144), for the adapter and end-to-end tests.
import { encrypt, getSignature } from '@wecom/crypto';
import type { RawRequest } from '../../../src/adapter.js';
import type { WecomConfig } from '../../../bots/wecom/config.js';

export const TEST_WECOM: WecomConfig = {
  corpId: 'wx5823bf96d3bd56c7',
  agentId: 1000002,
  secret: 'test-secret-0123456789abcdef',
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  apiBase: 'http://127.0.0.1:1',
  webhooks: { 华东群: 'robot-key-1' },
};

let seq = 0;

export function textXml(from: string, content: string, msgId = `${Date.now()}${++seq}`, createTime = Math.floor(Date.now() / 1000)) {
  return `<xml><ToUserName><![CDATA[${TEST_WECOM.corpId}]]></ToUserName>\n<FromUserName><![CDATA[${from}]]></FromUserName>\n<CreateTime>${createTime}</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[${content}]]></Content>\n<MsgId>${msgId}</MsgId>\n<AgentID>${TEST_WECOM.agentId}</AgentID></xml>`;
}

export function cardClickXml(from: string, eventKey: string, taskId: string, responseCode = `rc-${++seq}`, createTime = Math.floor(Date.now() / 1000)) {
  return `<xml><ToUserName><![CDATA[${TEST_WECOM.corpId}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[${eventKey}]]></EventKey><TaskId><![CDATA[${taskId}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[${responseCode}]]></ResponseCode><AgentID>${TEST_WECOM.agentId}</AgentID></xml>`;
}

export interface SignOptions {
  config?: WecomConfig;
  timestamp?: string;
  nonce?: string;
  receiveId?: string;
  /** Replace the encrypted text after signing (tampering tests). */
  mutateEncrypted?: (e: string) => string;
  signature?: string;
  toUserName?: string;
}

export function signedCallback(xml: string, o: SignOptions = {}): RawRequest {
  const c = o.config ?? TEST_WECOM;
  const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? `n${++seq}`;
  const encrypted = encrypt(c.encodingAesKey, xml, o.receiveId ?? c.corpId);
  const signature = o.signature ?? getSignature(c.token, timestamp, nonce, encrypted);
  const sent = o.mutateEncrypted ? o.mutateEncrypted(encrypted) : encrypted;
  const body = `<xml><ToUserName><![CDATA[${o.toUserName ?? c.corpId}]]></ToUserName><AgentID><![CDATA[${c.agentId}]]></AgentID><Encrypt><![CDATA[${sent}]]></Encrypt></xml>`;
  return { method: 'POST', query: { msg_signature: signature, timestamp, nonce }, headers: { 'content-type': 'text/xml' }, body: Buffer.from(body) };
}

export function signedVerification(plain: string, o: SignOptions = {}): RawRequest {
  const c = o.config ?? TEST_WECOM;
  const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? `n${++seq}`;
  const echostr = encrypt(c.encodingAesKey, plain, o.receiveId ?? c.corpId);
  return {
    method: 'GET',
    query: { msg_signature: o.signature ?? getSignature(c.token, timestamp, nonce, echostr), timestamp, nonce, echostr },
    headers: {},
    body: Buffer.alloc(0),
  };
}
