// The WeCom driver: callbacks AES-encrypted and SHA-1 signed by test/bots/wecom/sign.ts, replies read from the fake
// WeCom API (test/fakes/wecom-api.ts), mutations from ../mutations-wecom.ts.
import { getSignature } from '@wecom/crypto';
import { expect } from 'vitest';
import { TEST_WECOM, cardClickXml, signedCallback, textXml } from '../../bots/wecom/sign.js';
import { startFakeWecom, type FakeWecom } from '../../fakes/wecom-api.js';
import { CALLBACK_PATH, startFaultApp } from '../../faults/harness.js';
import { wecomFuzzer } from '../mutations-wecom.js';
import { commonRefusals, forge, nowSec, session, type Driver } from './driver.js';

/** What WeCom turns into links or actions in a message it receives from us. */
function wecomMarkup(body: any): string {
  if (body.msgtype === 'markdown') return String(body.markdown.content);
  const c = body.template_card ?? {};
  const links = JSON.stringify([c.card_action, c.jump_list, c.quote_area, (c.horizontal_content_list ?? []).filter((h: any) => h.type)].filter(Boolean));
  return [links, ...(c.button_list ?? []).map((b: any) => `"key" ${b.key}`)].join('\n');
}

/** A WeCom ciphertext cut to a non-multiple of 32 bytes, re-signed so only the length check can catch it. */
function truncatedButSigned() {
  const base = signedCallback(textXml('zhangsan', '/新客户 伪造厂'));
  const encrypted = /<Encrypt><!\[CDATA\[(.*)\]\]><\/Encrypt>/.exec(base.body.toString())![1]!;
  const cut = Buffer.from(encrypted, 'base64').subarray(0, 40).toString('base64');
  const { timestamp, nonce } = base.query as { timestamp: string; nonce: string };
  return signedCallback(textXml('zhangsan', '/新客户 伪造厂'), { mutateEncrypted: () => cut, signature: getSignature(TEST_WECOM.token, timestamp, nonce, cut), timestamp, nonce });
}

const wecomEncrypt = (body: Buffer) => /<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/.exec(body.toString())![1]!;
let wecomMsg = 9_500_000_000_000_000_000n;
const wecomFresh = () => textXml('zhangsan', '/新客户 伪造厂');

export const wecom: Driver = {
  name: 'wecom',
  label: 'WeCom',
  path: CALLBACK_PATH,
  can: {
    signCoversBody: true,
    // Only the copy that did the work carries the passive update_button reply; the duplicates answer empty. The
    // core's refusal of a click carries no chat reply on WeCom (no toast), so a stranger's click is answered empty.
    cardClick: { done: (res) => res.body.includes('<Encrypt>'), empty: (res) => res.body === '' },
  },
  tenantKey: TEST_WECOM.corpId,
  ref: (user) => user, // part of the name from the WeCom directory (员工<userid>, user/get)
  pid: (user) => user,
  nameOf: (user) => `员工${user}`,
  message: (user, text, id = String(++wecomMsg), atSec = 0) => signedCallback(textXml(user, text, id), { timestamp: String(nowSec() + atSec) }),
  windowSec: 300, // our own window (WeCom has none)
  retry: (user, text, id) => {
    const xml = textXml(user, text, id);
    let n = 0;
    return () => signedCallback(xml, { nonce: `retry${++n}`, timestamp: String(nowSec() - n) });
  },
  refusals: {
    common: commonRefusals({
      forged: () => signedCallback(wecomFresh(), { signature: 'f'.repeat(40) }),
      otherKey: () => signedCallback(wecomFresh(), { config: { ...TEST_WECOM, token: 'notOurToken' } }),
      signedAt: (offset) => signedCallback(wecomFresh(), { timestamp: String(nowSec() + offset) }),
      unsigned: () => {
        const r = signedCallback(wecomFresh());
        const { msg_signature: _dropped, ...query } = r.query;
        return { ...r, query };
      },
      otherApp: () => signedCallback(wecomFresh(), { toUserName: 'wwOTHERCORP' }),
      garbage: () => ({ ...signedCallback(wecomFresh()), body: Buffer.from('<xml><Encrypt>abc') }),
      empty: () => ({ ...signedCallback(wecomFresh()), body: Buffer.alloc(0) }),
      oversized: () => ({ ...signedCallback(wecomFresh()), body: Buffer.alloc(70 * 1024, 'a') }),
    }),
    own: [
      ['wrong corp id inside the ciphertext', () => signedCallback(wecomFresh(), { receiveId: 'wwOTHERCORP' }), 401],
      ['a truncated ciphertext (re-signed)', () => truncatedButSigned(), 400],
      ['a tampered ciphertext', () => signedCallback(wecomFresh(), { mutateEncrypted: (e) => `${e[0] === 'A' ? 'B' : 'A'}${e.slice(1)}` }), 401],
      ['an XXE DOCTYPE', () => ({ ...signedCallback(wecomFresh()), body: Buffer.from('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>') }), 400],
    ],
    body: '',
  },
  fuzz: wecomFuzzer,
  // msg_signature covers token + timestamp + nonce + the ciphertext: the captured query with another ciphertext.
  captured: (genuine, forged) => [{ ...genuine, body: Buffer.from(genuine.body.toString().replace(wecomEncrypt(genuine.body), wecomEncrypt(forged.body))) }],
  async start(t, o = {}) {
    const fake: FakeWecom = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId, webhookKeys: ['robot-key-1'] });
    const app = await startFaultApp(t, { wecom: fake.baseUrl }, o);
    const sends = (user: string) => fake.sends().filter((r) => (r.body as any).touser === user).map((r) => r.body as any);
    const cards = (user: string, approval?: string) =>
      sends(user).filter((b) => b.msgtype === 'template_card' && (approval ? b.template_card.main_title.title.includes(approval) : /报价审批/.test(b.template_card.main_title?.title ?? '')));
    return session(wecom, app, {
      sentTo: (user) => sends(user).map((b) => JSON.stringify(b)),
      apiCalls: () => fake.received.length,
      textsTo: (user) => sends(user).map((b) => String(b?.text?.content ?? b?.markdown?.content ?? JSON.stringify(b?.template_card ?? {}))),
      approvalCards: (user, approval) => cards(user, approval).map((b) => ({ markup: wecomMarkup(b), json: JSON.stringify(b) })),
      approveClick(actor, holder, approval, edit) {
        const all = cards(holder, approval);
        const card = approval ? all.at(-1) : all[0];
        expect(card?.template_card?.main_title?.title).toMatch(/报价审批 A-\d+/);
        const tc = card.template_card;
        return signedCallback(cardClickXml(actor, forge(tc.button_list[0].key, edit), tc.task_id));
      },
      closeFake: () => fake.close(),
    });
  },
};

