// Builds real Feishu webhook requests: the event JSON encrypted with the Encrypt Key (AES-256-CBC, key =
// sha256(encryptKey), random IV in front) and signed with sha256(timestamp + nonce + encryptKey + body).
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import type { RawRequest } from '../../../src/adapter.js';
import type { FeishuConfig } from '../../../bots/feishu/config.js';
import { feishuSignature } from '../../../bots/feishu/verify.js';

export const TEST_FEISHU: FeishuConfig = {
  appId: 'cli_a1b2c3d4e5f60718',
  appSecret: 'feishu-test-secret-0123456789',
  verificationToken: 'vt-0123456789',
  encryptKey: 'ek-test-encrypt-key',
  domain: 'http://127.0.0.1:1',
  mode: 'webhook',
};
export const TENANT_KEY = '2ca1d211f64f6438';

let seq = 0;
export const openId = (name: string) => `ou_${createHash('md5').update(name).digest('hex')}`;

export function encryptFeishu(encryptKey: string, plain: string, iv: Buffer = randomBytes(16)): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const c = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, c.update(plain, 'utf8'), c.final()]).toString('base64');
}

export function messageEvent(user: string, text: string, o: { eventId?: string; chatType?: 'p2p' | 'group'; chatId?: string; mentions?: any[]; token?: string; appId?: string } = {}) {
  const id = ++seq;
  return {
    schema: '2.0',
    header: {
      event_id: o.eventId ?? `ev-msg-${Date.now()}-${id}`,
      event_type: 'im.message.receive_v1',
      create_time: String(Date.now()),
      token: o.token ?? TEST_FEISHU.verificationToken,
      app_id: o.appId ?? TEST_FEISHU.appId,
      tenant_key: TENANT_KEY,
    },
    event: {
      sender: { sender_id: { open_id: openId(user), union_id: `on_${id}` }, sender_type: 'user', tenant_key: TENANT_KEY },
      message: {
        message_id: `om_in_${id}`,
        create_time: String(Date.now()),
        chat_id: o.chatId ?? `oc_p2p_${user}`,
        chat_type: o.chatType ?? 'p2p',
        message_type: 'text',
        content: JSON.stringify({ text }),
        mentions: o.mentions ?? [],
      },
    },
  };
}

export function cardActionEvent(user: string, value: unknown, messageId: string, o: { eventId?: string; token?: string } = {}) {
  return {
    schema: '2.0',
    header: {
      event_id: o.eventId ?? `ev-card-${Date.now()}-${++seq}`,
      event_type: 'card.action.trigger',
      create_time: String(Date.now() * 1000),
      token: o.token ?? TEST_FEISHU.verificationToken,
      app_id: TEST_FEISHU.appId,
      tenant_key: TENANT_KEY,
    },
    event: {
      operator: { tenant_key: TENANT_KEY, open_id: openId(user), union_id: 'on_x' },
      token: `c-${seq}`,
      action: { value, tag: 'button' },
      host: 'im_message',
      context: { open_message_id: messageId, open_chat_id: `oc_p2p_${user}` },
    },
  };
}

export interface FeishuSignOptions {
  timestamp?: string;
  nonce?: string;
  encryptKey?: string;
  signature?: string;
  /** Change the body bytes after signing (tampering tests). */
  mutateBody?: (b: string) => string;
  unsigned?: boolean;
}

export function signedEvent(event: unknown, o: FeishuSignOptions = {}): RawRequest {
  const key = o.encryptKey ?? TEST_FEISHU.encryptKey;
  const body = JSON.stringify({ encrypt: encryptFeishu(key, JSON.stringify(event)) });
  const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? `nonce${++seq}`;
  const signature = o.signature ?? feishuSignature(timestamp, nonce, key, Buffer.from(body));
  const sent = o.mutateBody ? o.mutateBody(body) : body;
  return {
    method: 'POST',
    query: {},
    headers: {
      'content-type': 'application/json',
      ...(o.unsigned ? {} : { 'x-lark-request-timestamp': timestamp, 'x-lark-request-nonce': nonce, 'x-lark-signature': signature }),
    },
    body: Buffer.from(sent),
  };
}
