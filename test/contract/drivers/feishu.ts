// The Feishu driver: events encrypted and signed by test/bots/feishu/sign.ts, replies read from the fake Feishu open
// API (test/fakes/feishu-api.ts), mutations from ../mutations-feishu.ts.
import { expect } from 'vitest';
import type { RawRequest } from '../../../src/adapter.js';
import { TENANT_KEY, TEST_FEISHU, cardActionEvent, messageEvent, openId, signedEvent } from '../../bots/feishu/sign.js';
import { feishuMarkup } from '../../cards/hostile-corpus.js';
import { feishuName, startFakeFeishu, type FakeFeishu } from '../../fakes/feishu-api.js';
import { FEISHU_PATH, startFaultApp } from '../../faults/harness.js';
import { feishuFuzzer } from '../mutations-feishu.js';
import { commonRefusals, forge, nowSec, session, type Driver } from './driver.js';

const feishuFresh = () => messageEvent('u', '/新客户 伪造厂');
const unsignedJson = (body: string): RawRequest => ({ method: 'POST', query: {}, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) });

export const feishu: Driver = {
  name: 'feishu',
  label: 'Feishu',
  path: FEISHU_PATH,
  can: {
    signCoversBody: true,
    // Only the copy that did the work answers with the success toast and the updated card; the duplicates answer
    // {}; a refused click is answered with an error toast.
    cardClick: {
      done: (res) => res.json().toast?.type === 'success',
      empty: (res) => JSON.stringify(res.json()) === '{}',
      refused: (res) => expect(res.json().toast).toMatchObject({ type: 'error' }),
    },
  },
  tenantKey: TENANT_KEY,
  ref: (user) => feishuName(openId(user)), // the name from the Feishu directory (contact user get)
  pid: (user) => openId(user),
  nameOf: (user) => feishuName(openId(user)),
  message: (user, text, id, atSec = 0) => signedEvent(messageEvent(user, text, id ? { eventId: id } : {}), { timestamp: String(nowSec() + atSec) }),
  windowSec: 300, // our own window (Feishu documents none)
  // A re-push is re-encrypted and re-signed with a new nonce and timestamp, and keeps header.event_id.
  retry: (user, text, id) => {
    const ev = messageEvent(user, text, { eventId: id });
    let n = 0;
    return () => signedEvent(ev, { nonce: `repush${++n}`, timestamp: String(nowSec() - n) });
  },
  refusals: {
    common: commonRefusals({
      forged: () => signedEvent(feishuFresh(), { signature: 'a'.repeat(64) }),
      otherKey: () => signedEvent(feishuFresh(), { encryptKey: 'another-key-123' }),
      signedAt: (offset) => signedEvent(feishuFresh(), { timestamp: String(nowSec() + offset) }),
      unsigned: () => signedEvent(feishuFresh(), { unsigned: true }),
      otherApp: () => signedEvent(messageEvent('u', '/新客户 伪造厂', { appId: 'cli_ffffffffffffffff' })),
      garbage: () => unsignedJson('<xml/>'),
      empty: () => ({ method: 'POST', query: {}, headers: {}, body: Buffer.alloc(0) }),
      oversized: () => signedEvent(messageEvent('u', 'x'.repeat(70_000))),
    }),
    own: [
      ['a body changed after signing', () => signedEvent(feishuFresh(), { mutateBody: (b) => b.replace('{"encrypt"', '{ "encrypt"') }), 401],
      ['a wrong verification token', () => signedEvent(messageEvent('u', '/新客户 伪造厂', { token: 'vt-wrong-000' })), 401],
      ['a forged card click', () => signedEvent(cardActionEvent('u', { d: '{"v":1,"a":"approve","id":"A-1"}' }, 'om_x', { token: 'bad-token-1' })), 401],
      ['an unencrypted body', () => unsignedJson(JSON.stringify(messageEvent('u', '/新客户 明文厂'))), 400],
    ],
  },
  fuzz: feishuFuzzer,
  // X-Lark-Signature covers timestamp + nonce + encrypt key + the whole body: the captured headers, another body.
  captured: (genuine, forged) => [{ ...genuine, body: forged.body }],
  async start(t, o = {}) {
    const fake: FakeFeishu = await startFakeFeishu({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
    const app = await startFaultApp(t, { feishu: fake.baseUrl }, o);
    const messages = (user: string) => [...fake.messages.entries()].filter(([, m]) => m.receiveId === openId(user));
    const cards = (user: string, approval?: string) =>
      messages(user).filter(([, m]) => m.msgType === 'interactive' && String(m.content.header?.title?.content ?? '').includes(approval ?? '报价审批'));
    return session(feishu, app, {
      sentTo: (user) => messages(user).map(([, m]) => JSON.stringify(m.content)),
      apiCalls: () => fake.received.length,
      textsTo: (user) => messages(user).map(([, m]) => String(m.content?.text ?? JSON.stringify(m.content ?? {}))),
      approvalCards: (user, approval) => cards(user, approval).map(([, m]) => ({ markup: feishuMarkup(m.content), json: JSON.stringify(m.content) })),
      approveClick(actor, holder, approval, edit) {
        const all = cards(holder, approval);
        const [id, m] = (approval ? all.at(-1) : all[0])!;
        const value = m.content.body.elements.find((e: any) => e.tag === 'column_set').columns[0].elements[0].behaviors[0].value;
        return signedEvent(cardActionEvent(actor, { ...value, d: forge(value.d, edit) }, id));
      },
      closeFake: () => fake.close(),
    });
  },
};

