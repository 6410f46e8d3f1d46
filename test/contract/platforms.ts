// One driver per platform behind one interface, for the contract suites in this folder (verification, mutations,
// duplicate delivery, privilege) and the attack suite (test/bots/attacks.ts): how to sign a genuine message or
// retry for a user, the forged / stale / unsigned / other-app variants, how to read the ack of a card click, and
// where the platform's fake (test/fakes/*) keeps what the bot sent. Signing reuses test/bots/<platform>/sign.ts;
// every session is the one fault harness (test/faults/harness.ts startFaultApp) pointed at the platform's fake.
import { getSignature } from '@wecom/crypto';
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { RawRequest } from '../../src/adapter.js';
import { CORP_ID, TEST_DINGTALK, robotMessage, signedRobotCallback, staffId } from '../bots/dingtalk/sign.js';
import { TENANT_KEY, TEST_FEISHU, cardActionEvent, messageEvent, openId, signedEvent } from '../bots/feishu/sign.js';
import { TEST_WECOM, cardClickXml, signedCallback, textXml } from '../bots/wecom/sign.js';
import { feishuMarkup } from '../cards/hostile-corpus.js';
import { startFakeDingtalk, type FakeDingtalk } from '../fakes/dingtalk-api.js';
import { feishuName, startFakeFeishu, type FakeFeishu } from '../fakes/feishu-api.js';
import { startFakeWecom, type FakeWecom } from '../fakes/wecom-api.js';
import type { TestDb } from '../helpers/db.js';
import type { Fuzzer } from './fuzzer.js';
import { dingtalkFuzzer } from './mutations-dingtalk.js';
import { feishuFuzzer } from './mutations-feishu.js';
import { wecomFuzzer } from './mutations-wecom.js';
import { CALLBACK_PATH, DINGTALK_PATH, FEISHU_PATH, startFaultApp, type FaultApp } from '../faults/harness.js';

export type PlatformName = 'wecom' | 'feishu' | 'dingtalk';

/** An approval card as the platform received it: the strings it acts on as markup, and the whole outbound body. */
export interface SentCard {
  /** Markdown / lark_md text, button targets and link fields, one per line (what the platform would turn into markup). */
  markup: string;
  json: string;
}

/** Rewrites a button's decoded action data (`{ v, a, id }`, cards/action-data.ts) into a forged one. */
export type ForgeData = (data: Record<string, unknown>) => Record<string, unknown>;
const forge = (data: string, edit?: ForgeData) => (edit ? JSON.stringify(edit(JSON.parse(data) as Record<string, unknown>)) : data);

/** A refusal every route makes, built the platform's way: [what it is, the request, the status it must get]. */
export type Refusal = [string, () => RawRequest, number];

/** What only some platforms can do; a suite adds a platform-specific case when its driver has the capability. */
export interface Capabilities {
  /**
   * A card button is a signed click event the platform sends itself (WeCom, Feishu), answered synchronously:
   * `done` is the answer of the copy that did the work, `empty` a duplicate's. On DingTalk the ActionCard button
   * only makes the tapper send a typed `/批准 A-n`, so this is absent.
   */
  cardClick?: { done(res: LightMyRequestResponse): boolean; empty(res: LightMyRequestResponse): boolean; refused?(res: LightMyRequestResponse): void };
}

/** A running app on the test database with this platform enabled and pointed at its fake. */
export interface Session {
  app: FaultApp;
  /** Posts a raw platform request to this platform's route. */
  post(req: RawRequest): Promise<LightMyRequestResponse>;
  /** A signed text message from `user` through the route. */
  say(user: string, text: string): Promise<LightMyRequestResponse>;
  /** Every outbound body sent to `user` so far, as JSON. */
  sentTo(user: string): string[];
  /** How many requests the platform's fake has received so far (token, send, update …). */
  apiCalls(): number;
  /** The text of every outbound message to `user` so far (cards as their JSON), one entry per message. */
  textsTo(user: string): string[];
  /** The approval cards that reached `user` (for `approval` A-n when given, else every one), oldest first. */
  approvalCards(user: string, approval?: string): SentCard[];
  /**
   * `actor` presses 批准 on the card for `approval` that `holder` received (the latest; the first approval card
   * when no `approval` is given). DingTalk: the button's typed command, or `/批准 A-n` when `holder` has no card.
   * `edit` forges the button's action data (platforms with `can.cardClick`; DingTalk's button carries no data).
   */
  approveClick(actor: string, holder: string, approval?: string, edit?: ForgeData): RawRequest;
  close(): Promise<void>;
}

export interface Driver {
  name: PlatformName;
  label: 'WeCom' | 'Feishu' | 'DingTalk';
  path: string;
  can: Capabilities;
  /** The tenant key events of this app carry (WeCom CorpID, Feishu tenant_key, DingTalk corpId). */
  tenantKey: string;
  /** How chat commands (`/设置 角色 <who>`) name `user` on this platform. */
  ref(user: string): string;
  /** The platform user id the adapter reports for `user`. */
  pid(user: string): string;
  /** The name `user` gets on first contact (from the platform's directory, or DingTalk's senderNick). */
  nameOf(user: string): string;
  /** A genuine signed text message from `user`; `id` is the platform's message id (MsgId, event_id, msgId). */
  message(user: string, text: string, id?: string): RawRequest;
  /** The platform's own retries of message `id`: each call re-signs (and re-encrypts) it anew, same id. */
  retry(user: string, text: string, id: string): () => RawRequest;
  /** The refusals every route makes (test/contract/verification.security.test.ts), and the ones only this one has. */
  refusals: { common: Refusal[]; own: Refusal[]; body?: string };
  /** The platform's mutation generator (mutations-<platform>.ts) for mutations.security.test.ts. */
  fuzz: Fuzzer;
  /** A request whose signature was captured from `genuine`, carrying `forged`'s content instead (each way the wire allows). */
  captured(genuine: RawRequest, forged: RawRequest): RawRequest[];
  start(t: TestDb, o?: { env?: Record<string, string> }): Promise<Session>;
}

const nowSec = () => Math.floor(Date.now() / 1000);

/** Every window is shorter than ten minutes (WeCom and Feishu 5, DingTalk 2). */
const commonRefusals = (r: {
  forged(): RawRequest;
  otherKey(): RawRequest;
  signedAt(offsetSec: number): RawRequest;
  unsigned(): RawRequest;
  otherApp(): RawRequest;
  garbage(): RawRequest;
  empty(): RawRequest;
  oversized(): RawRequest;
}): Refusal[] => [
  ['a forged signature', r.forged, 401],
  ['a signature made with another key', r.otherKey, 401],
  ['a replay from ten minutes ago', () => r.signedAt(-600), 401],
  ['a replay from an hour ago', () => r.signedAt(-3600), 401],
  ['a timestamp ten minutes in the future', () => r.signedAt(600), 401],
  ['no signature', r.unsigned, 401],
  ['another app', r.otherApp, 401],
  ['a body that does not parse', r.garbage, 400],
  ['an empty body', r.empty, 400],
  ['an oversized body', r.oversized, 413],
];

function session(app: FaultApp, path: string, parts: Omit<Session, 'app' | 'post' | 'say' | 'close'> & { say(post: Session['post'], user: string, text: string): Promise<LightMyRequestResponse>; closeFake(): Promise<void> }): Session {
  const post = (req: RawRequest) => app.post(path, req);
  const { say, closeFake, ...rest } = parts;
  return {
    app,
    post,
    say: (user, text) => say(post, user, text),
    ...rest,
    async close() {
      await app.close();
      await closeFake();
    },
  };
}

// ————— WeCom —————

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
    // Only the copy that did the work carries the passive update_button reply; the duplicates answer empty. The
    // core's refusal of a click carries no chat reply on WeCom (no toast), so a stranger's click is answered empty.
    cardClick: { done: (res) => res.body.includes('<Encrypt>'), empty: (res) => res.body === '' },
  },
  tenantKey: TEST_WECOM.corpId,
  ref: (user) => user, // part of the name from the WeCom directory (员工<userid>, user/get)
  pid: (user) => user,
  nameOf: (user) => `员工${user}`,
  message: (user, text, id = String(++wecomMsg)) => signedCallback(textXml(user, text, id)),
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
    return session(app, CALLBACK_PATH, {
      say: (post, user, text) => post(wecom.message(user, text)),
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

// ————— Feishu —————

const feishuFresh = () => messageEvent('u', '/新客户 伪造厂');
const unsignedJson = (body: string): RawRequest => ({ method: 'POST', query: {}, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) });

export const feishu: Driver = {
  name: 'feishu',
  label: 'Feishu',
  path: FEISHU_PATH,
  can: {
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
  message: (user, text, id) => signedEvent(messageEvent(user, text, id ? { eventId: id } : {})),
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
    return session(app, FEISHU_PATH, {
      say: (post, user, text) => post(feishu.message(user, text)),
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

// ————— DingTalk —————

const dingtalkFresh = () => robotMessage('张三', '/新客户 伪造厂');

export const dingtalk: Driver = {
  name: 'dingtalk',
  label: 'DingTalk',
  path: DINGTALK_PATH,
  can: {},
  tenantKey: CORP_ID,
  ref: (user) => user, // DingTalk names people by their nick (senderNick)
  pid: (user) => staffId(user),
  nameOf: (user) => user,
  message: (user, text, id) => signedRobotCallback(robotMessage(user, text, id ? { msgId: id } : {})),
  // A re-delivery carries a new timestamp and sign, and keeps msgId.
  retry: (user, text, id) => {
    const body = robotMessage(user, text, { msgId: id });
    let n = 0;
    return () => signedRobotCallback(body, { timestamp: String(Date.now() - ++n * 1000) });
  },
  refusals: {
    common: commonRefusals({
      forged: () => signedRobotCallback(dingtalkFresh(), { sign: 'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=' }),
      otherKey: () => signedRobotCallback(dingtalkFresh(), { secret: 'not-our-secret-0000000000' }),
      signedAt: (offset) => signedRobotCallback(dingtalkFresh(), { timestamp: String(Date.now() + offset * 1000) }),
      unsigned: () => ({ ...signedRobotCallback(dingtalkFresh()), headers: { 'content-type': 'application/json' } }),
      otherApp: () => signedRobotCallback(robotMessage('张三', '/新客户 伪造厂', { robotCode: 'dingotherrobot0001' })),
      garbage: () => signedRobotCallback(null, { raw: '<xml>hi</xml>' }),
      empty: () => signedRobotCallback(null, { raw: '' }),
      oversized: () => signedRobotCallback(robotMessage('张三', 'x'.repeat(70_000))),
    }),
    own: [['a wrong shape', () => signedRobotCallback({ msgId: 'x', text: 'not an object' }), 400]],
  },
  fuzz: dingtalkFuzzer,
  // The sign covers only the timestamp: the forged body re-sent under the captured (timestamp, sign) pair (the
  // signer makes the same pair for the same timestamp), and the captured headers verbatim with the forged body.
  captured: (genuine, forged) => {
    const timestamp = String(genuine.headers.timestamp);
    const resent = signedRobotCallback(undefined, { timestamp, raw: forged.body.toString() });
    expect(resent.headers.sign).toBe(genuine.headers.sign);
    return [resent, { ...genuine, body: forged.body }];
  },
  async start(t, o = {}) {
    const fake: FakeDingtalk = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
    const app = await startFaultApp(t, { dingtalk: fake.baseUrl }, o);
    const sends = (user: string) => fake.sends().filter((r) => r.body.userIds?.[0] === staffId(user));
    const cards = (user: string, approval?: string): Array<{ p: Record<string, string>; card: SentCard }> =>
      sends(user)
        .filter((r) => /^sampleActionCard/.test(r.body.msgKey))
        .map((r) => JSON.parse(r.body.msgParam) as Record<string, string>)
        .filter((p) => (approval ? p.title?.includes(approval) : /报价审批/.test(p.title ?? '')))
        // DingTalk renders the ActionCard's text as markdown; every *URL* field is a button target.
        .map((p) => ({ p, card: { markup: [p.text, ...Object.entries(p).filter(([k]) => /URL/.test(k)).map(([k, v]) => `"${k}" ${v}`)].join('\n'), json: JSON.stringify(p) } }));
    return session(app, DINGTALK_PATH, {
      say: (post, user, text) => post(dingtalk.message(user, text)),
      sentTo: (user) => sends(user).map((r) => JSON.stringify(r.body)),
      apiCalls: () => fake.received.length,
      textsTo: (user) =>
        sends(user).map((s) => {
          const p = JSON.parse(s.body.msgParam);
          return String(p.content ?? p.text ?? s.body.msgParam);
        }),
      approvalCards: (user, approval) => cards(user, approval).map((c) => c.card),
      // The ActionCard button is a dtmd: link that makes the tapper send `/批准 A-n` as themselves: anyone can type it.
      approveClick(actor, holder, approval) {
        const all = cards(holder, approval);
        const p = (approval ? all.at(-1) : all[0])?.p;
        if (!approval) expect(p, `${holder} got an approval card`).toBeDefined();
        const command = p ? new URL(p.actionURL1!).searchParams.get('content')! : `/批准 ${approval}`;
        expect(command).toMatch(/^\/批准 A-\d+$/);
        return signedRobotCallback(robotMessage(actor, command));
      },
      closeFake: () => fake.close(),
    });
  },
};

export const drivers: Driver[] = [wecom, feishu, dingtalk];
/** For `describe.each`: the label first (it names the suite), then the driver. */
export const eachPlatform = drivers.map((d) => [d.label, d] as const);
