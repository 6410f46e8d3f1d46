// Issue #17's attacks against Feishu's event webhook (/bots/feishu/events), end to end: shared attacks from
// ../attacks.ts, then Feishu's own — captured signature headers with another body, and signed `__proto__` events.
// Feishu's X-Lark-Signature covers timestamp + nonce + encrypt key + the whole body, so DingTalk's "same pair, other
// body" weakness cannot exist here; the swap is still replayed to prove it. WeCom's envelope attack does not apply:
// the body is JSON, and parsed only after the signature.
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createFeishuAdapter } from '../../../bots/feishu/index.js';
import { createDbTokenStore } from '../../../src/db/token-store.js';
import { FEISHU_PATH, headerWire, injectAt } from '../../faults/harness.js';
import { startFakeFeishu } from '../../fakes/feishu-api.js';
import { feishuMarkup } from '../../cards/hostile-corpus.js';
import { testDriver, type TestDb } from '../../helpers/db.js';
import { attackWorld, changed, commonAttacks, effects, type AttackPlatform } from '../attacks.js';
import { TEST_FEISHU, cardActionEvent, messageEvent, openId, signedEvent } from './sign.js';

async function feishuPlatform(t: TestDb): Promise<AttackPlatform> {
  const fake = await startFakeFeishu({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
  const adapter = createFeishuAdapter({ ...TEST_FEISHU, domain: fake.baseUrl }, { tokenStore: createDbTokenStore(t.db) });
  let app: FastifyInstance;
  const send = (req: ReturnType<typeof signedEvent>) => injectAt(app, FEISHU_PATH, headerWire(req));
  const messages = (user: string) => [...fake.messages.entries()].filter(([, m]) => m.receiveId === openId(user));
  const cards = (user: string, approval: string) =>
    messages(user).filter(([, m]) => m.msgType === 'interactive' && String(m.content.header?.title?.content ?? '').includes(approval));
  return {
    name: 'feishu',
    adapter,
    attach: (a) => (app = a),
    say: (user, text) => send(signedEvent(messageEvent(user, text))),
    sentTo: (user) => messages(user).map(([, m]) => JSON.stringify(m.content)),
    approvalCards: (user, approval) => cards(user, approval).map(([, m]) => ({ markup: feishuMarkup(m.content), json: JSON.stringify(m.content) })),
    async pressApprove(actor, holder, approval) {
      const [id, m] = cards(holder, approval).at(-1)!;
      const value = m.content.body.elements.find((e: any) => e.tag === 'column_set').columns[0].elements[0].behaviors[0].value;
      return send(signedEvent(cardActionEvent(actor, value, id)));
    },
    ref: (user) => openId(user),
    pid: (user) => openId(user),
    close: () => fake.close(),
  };
}

describe(`Feishu: every #17 attack through the event webhook (${testDriver()})`, () => {
  const w = attackWorld(feishuPlatform);
  commonAttacks(w);
  const post = (req: ReturnType<typeof signedEvent>) => injectAt(w.app(), FEISHU_PATH, headerWire(req));
  const promote = () => `/设置 角色 ${openId('mallory')} 管理员`;

  it('captured signature headers with another body (the admin promoting mallory) are refused and write nothing', async () => {
    const genuine = signedEvent(messageEvent('mallory', '/帮助'));
    expect((await post(genuine)).statusCode).toBe(200);
    await w.worker().drain();
    const before = await effects(w.t().db);
    const forged = signedEvent(messageEvent('admin1', promote()));
    expect((await injectAt(w.app(), FEISHU_PATH, { headers: genuine.headers as Record<string, string>, body: forged.body })).statusCode).toBe(401);
    await w.worker().drain();
    expect(changed(before, await effects(w.t().db))).toEqual({});
    expect((await w.userRow('mallory')).role).toBe('rep');
  });

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
    await w.worker().drain();
    expect(changed(before, await effects(db))).toEqual({});

    // 2. mallory's own event with an admin sender in __proto__: read as mallory's, the admin-only command is refused.
    before = await effects(db);
    const sent = w.p().sentTo('mallory').length;
    expect((await post(signedEvent(withProto('mallory', { sender: { sender_id: { open_id: openId('admin1') } } })))).statusCode).toBe(200);
    await w.worker().drain();
    expect(w.p().sentTo('mallory').slice(sent).join('\n')).toMatch(/管理员/);
    expect(changed(before, await effects(db))).toEqual({ inbound_events: 1 });
    expect((await w.userRow('mallory')).role).toBe('rep');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
