// Issue #17's attacks against Feishu's event webhook (/bots/feishu/events), end to end: shared attacks from
// ../attacks.ts (including captured signature headers with another body — Feishu's X-Lark-Signature covers
// timestamp + nonce + encrypt key + the whole body, so DingTalk's "same pair, other body" weakness cannot exist
// here; the swap is still replayed to prove it), then Feishu's own: signed `__proto__` events. WeCom's envelope
// attack does not apply: the body is JSON, and parsed only after the signature.
import { describe, expect, it } from 'vitest';
import type { RawRequest } from '../../../src/adapter.js';
import { feishu } from '../../contract/platforms.js';
import { testDriver } from '../../helpers/db.js';
import { attackWorld, changed, commonAttacks, effects } from '../attacks.js';
import { messageEvent, openId, signedEvent } from './sign.js';

describe(`Feishu: every #17 attack through the event webhook (${testDriver()})`, () => {
  const w = attackWorld(feishu);
  commonAttacks(w);
  const post = (req: RawRequest) => w.s().post(req);
  const promote = () => `/设置 角色 ${openId('mallory')} 管理员`;

  it('signed __proto__ events: fields hidden in __proto__ are not read, no prototype is set, nothing is written', async () => {
    const db = w.t().db;
    // JSON.parse keeps "__proto__" as an own key, so the signed, encrypted body really carries it.
    const withProto = (user: string, proto: object) => {
      const ev = messageEvent(user, promote());
      return JSON.parse(JSON.stringify(ev).replace('"event":{', `"event":{"__proto__":${JSON.stringify(proto)},"constructor":{"prototype":{"polluted":1}},`));
    };
    // 1. The sender exists only inside __proto__: the event is not a message at all; nothing is written.
    const hidden = withProto('mallory', { sender: { sender_id: { open_id: openId('admin1') }, sender_type: 'user' } });
    delete hidden.event.sender;
    let before = await effects(db);
    const res = await post(signedEvent(hidden));
    expect(res.statusCode).toBe(200);
    await w.s().app.settle();
    expect(changed(before, await effects(db))).toEqual({});

    // 2. mallory's own event with an admin sender in __proto__: read as mallory's, the admin-only command is refused.
    before = await effects(db);
    const sent = w.s().sentTo('mallory').length;
    expect((await post(signedEvent(withProto('mallory', { sender: { sender_id: { open_id: openId('admin1') } } })))).statusCode).toBe(200);
    await w.s().app.settle();
    expect(w.s().sentTo('mallory').slice(sent).join('\n')).toMatch(/管理员/);
    expect(changed(before, await effects(db))).toEqual({ inbound_events: 1 });
    expect((await w.userRow('mallory')).role).toBe('rep');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
