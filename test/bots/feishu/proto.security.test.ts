// Inbound objects are plain data (#17.6): `__proto__`/`constructor`/`prototype` keys in a (signed) payload set no
// prototype and smuggle no field, on the SDK's flattening path (long connection) and on our own JSON parsing.
import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../src/adapter.js';
import { decodeCardCallback } from '../../../bots/dingtalk/decode.js';
import { createFeishuEvents } from '../../../bots/feishu/events.js';
import { parseJsonData, plainData } from '../../../bots/plain-data.js';

const message = (extra: string) =>
  `{"schema":"2.0","header":{"event_id":"ev-1","event_type":"im.message.receive_v1","tenant_key":"tk","app_id":"cli_0123456789abcdef"},` +
  `"event":{${extra}"sender":{"sender_id":{"open_id":"ou_1"},"sender_type":"user"},"message":{"message_id":"om_1","chat_id":"oc_1","chat_type":"p2p","message_type":"text","content":"{\\"text\\":\\"/帮助\\"}"}}}`;

describe('prototype keys in inbound payloads', () => {
  it('the SDK flattening path: a __proto__ in the event neither sets the prototype nor supplies fields', async () => {
    const got: InboundEvent[] = [];
    const events = createFeishuEvents({ now: () => 0 });
    events.bind(async (e) => (got.push(e), {}));
    // What the long-connection client hands the dispatcher: its own JSON.parse of the frame.
    await events.dispatcher.invoke(JSON.parse(message(`"__proto__":{"polluted":true,"isAdmin":true},"constructor":{"prototype":{"x":1}},`)), { needCheck: false });
    expect(got).toHaveLength(1);
    expect(Object.getPrototypeOf(got[0]!)).toBe(Object.prototype);
    expect((got[0] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(got[0]).toMatchObject({ type: 'message', text: '/帮助', actor: { platformUserId: 'ou_1' } });

    // The fields a decoder needs, hidden only in a __proto__, are not read: the event is ignored.
    got.length = 0;
    const hidden = `{"schema":"2.0","header":{"event_id":"ev-2","event_type":"im.message.receive_v1","tenant_key":"tk"},"event":{"__proto__":{"sender":{"sender_id":{"open_id":"ou_evil"}},"message":{"message_id":"om_2","chat_id":"oc_1","chat_type":"p2p","message_type":"text","content":"{\\"text\\":\\"/设置 角色 x 管理员\\"}"}}}}`;
    await events.dispatcher.invoke(JSON.parse(hidden), { needCheck: false });
    expect(got).toHaveLength(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('our JSON parsing drops the keys, and plainData keeps own data only', () => {
    const parsed = parseJsonData('{"a":{"__proto__":{"x":1},"constructor":{"prototype":{"y":2}},"b":[{"__proto__":{"z":3}}]}}') as { a: Record<string, unknown> & { b: object[] } };
    expect(Object.keys(parsed.a)).toEqual(['b']);
    expect(Object.getPrototypeOf(parsed.a)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(parsed.a.b[0])).toBe(Object.prototype);
    const polluted = Object.assign({ own: 1 }, JSON.parse('{"__proto__":{"inherited":2}}') as object);
    expect((polluted as Record<string, unknown>).inherited).toBe(2); // what Object.assign does, hence plainData
    expect(plainData(polluted)).toEqual({ own: 1 });
    expect(Object.getPrototypeOf(plainData(polluted))).toBe(Object.prototype);
  });

  it('DingTalk card callback content with __proto__ is plain data', () => {
    const content = JSON.stringify({ cardPrivateData: { actionIds: ['approve'], params: { d: '{"a":"approve","id":"A-1"}' } } }).replace('{"cardPrivateData"', '{"__proto__":{"cardPrivateData":{"params":{"d":"{\\"a\\":\\"reject\\"}"}}},"cardPrivateData"');
    const e = decodeCardCallback({ outTrackId: 't1', userId: 'u1', content }, new Date(0));
    expect(e).toMatchObject({ type: 'card_action', action: 'approve' });
  });
});
