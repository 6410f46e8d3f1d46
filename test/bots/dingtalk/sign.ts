// Builds real DingTalk robot callbacks: JSON body plus `timestamp` (ms) and `sign` =
// base64(HMAC-SHA256(appSecret, timestamp + "\n" + appSecret)) headers, as DingTalk sends them.
import { createHash } from 'node:crypto';
import type { RawRequest } from '../../../src/adapter.js';
import type { DingtalkConfig } from '../../../bots/dingtalk/config.js';
import { dingtalkSign } from '../../../bots/dingtalk/verify.js';

export const TEST_DINGTALK: DingtalkConfig = {
  clientId: 'dingabcdefgh12345678',
  clientSecret: 'dingtalk-test-secret-0123456789abcdef',
  robotCode: 'dingabcdefgh12345678',
  apiBase: 'http://127.0.0.1:1',
  oapiBase: 'http://127.0.0.1:1',
  mode: 'http',
};
export const CORP_ID = 'ding9f50b15bccd16741';

let seq = 0;
export const staffId = (name: string) => `staff${createHash('md5').update(name).digest('hex').slice(0, 10)}`;

export function robotMessage(user: string, text: string, o: { msgId?: string; group?: string; robotCode?: string; nick?: string; external?: boolean } = {}) {
  return {
    msgtype: 'text',
    text: { content: o.group ? ` ${text}` : text },
    msgId: o.msgId ?? `msg${Date.now()}${++seq}`,
    createAt: Date.now(),
    conversationType: o.group ? '2' : '1',
    conversationId: o.group ?? `cid_p2p_${user}`,
    ...(o.group ? { conversationTitle: '华东销售群', isInAtList: true } : {}),
    senderId: `$:LWCP_v1:$${user}`,
    senderNick: o.nick ?? user,
    ...(o.external ? {} : { senderStaffId: staffId(user) }),
    senderCorpId: CORP_ID,
    chatbotCorpId: CORP_ID,
    chatbotUserId: '$:LWCP_v1:$robot',
    robotCode: o.robotCode ?? TEST_DINGTALK.robotCode,
    isAdmin: false,
    sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=x',
    sessionWebhookExpiredTime: Date.now() + 5_400_060,
  };
}

export function signedRobotCallback(body: unknown, o: { timestamp?: string; secret?: string; sign?: string; raw?: string } = {}): RawRequest {
  const timestamp = o.timestamp ?? String(Date.now());
  return {
    method: 'POST',
    query: {},
    headers: { 'content-type': 'application/json', timestamp, sign: o.sign ?? dingtalkSign(timestamp, o.secret ?? TEST_DINGTALK.clientSecret) },
    body: Buffer.from(o.raw ?? JSON.stringify(body)),
  };
}
