// The webhook contract every platform route keeps (WeCom /bots/wecom/callback, Feishu /bots/feishu/events, DingTalk
// /bots/dingtalk/callback): a request that fails a check — forged, signed with another key, stale, from the future,
// unsigned, for another app, unparseable, empty, oversized — is refused with the right status, never reaches the
// core and writes no row; a genuine one passes. Each platform brings its own signer (test/bots/<platform>/sign.ts)
// and the refusals only its transport has. The real app and database; platform calls go nowhere (none are made).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAdapter, InboundEvent, RawRequest } from '../../src/adapter.js';
import type { Db } from '../../src/db/client.js';
import { createDbTokenStore } from '../../src/db/token-store.js';
import { createDispatch } from '../../src/inbound/dispatch.js';
import { buildApp } from '../../src/server/app.js';
import { createDingtalkAdapter } from '../../bots/dingtalk/index.js';
import { createFeishuAdapter } from '../../bots/feishu/index.js';
import { createWecomAdapter } from '../../bots/wecom/index.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { changed, effects } from './attacks.js';
import { TEST_DINGTALK, robotMessage, signedRobotCallback } from './dingtalk/sign.js';
import { TEST_FEISHU, cardActionEvent, messageEvent, signedEvent } from './feishu/sign.js';
import { TEST_WECOM, signedCallback, textXml } from './wecom/sign.js';
import { getSignature } from '@wecom/crypto';

/** The refusals every route makes; each platform builds the request its own way. */
interface CommonRefusals {
  /** A well-formed request whose signature is wrong. */
  forged(): RawRequest;
  /** Signed correctly, but with a key or secret that is not ours. */
  otherKey(): RawRequest;
  /** A genuine request signed `offsetSec` seconds from now. */
  signedAt(offsetSec: number): RawRequest;
  /** The request without its signature. */
  unsigned(): RawRequest;
  /** Genuine and signed, but for another corp / app / robot. */
  otherApp(): RawRequest;
  /** A body that is not the platform's format at all. */
  garbage(): RawRequest;
  empty(): RawRequest;
  /** A genuine request whose body is past the route's limit. */
  oversized(): RawRequest;
}

interface RoutePlatform extends CommonRefusals {
  adapter(db: Db): ChatAdapter;
  path: string;
  /** A genuine signed message from a user saying `text`. */
  genuine(text: string): RawRequest;
  /** What the genuine message becomes. */
  event: Partial<InboundEvent>;
  /** The refusals only this transport has. */
  own: Array<[string, () => RawRequest, number]>;
  /** The exact body of every refusal, where the platform expects one. */
  refusalBody?: string;
}

const nowSec = () => Math.floor(Date.now() / 1000);
const feishuMsg = () => messageEvent('u', '/新客户 伪造厂');
const dingtalkMsg = () => robotMessage('张三', '/新客户 伪造厂');
const wecomMsg = () => textXml('zhangsan', '/新客户 伪造厂');

const platforms: Record<'wecom' | 'feishu' | 'dingtalk', RoutePlatform> = {
  wecom: {
    adapter: (db) => createWecomAdapter(TEST_WECOM, { tokenStore: createDbTokenStore(db) }),
    path: '/bots/wecom/callback',
    genuine: (text) => signedCallback(textXml('zhangsan', text, '123')),
    event: { platform: 'wecom', type: 'message', eventKey: '123', tenantKey: TEST_WECOM.corpId },
    forged: () => signedCallback(wecomMsg(), { signature: 'f'.repeat(40) }),
    otherKey: () => signedCallback(wecomMsg(), { config: { ...TEST_WECOM, token: 'notOurToken' } }),
    signedAt: (offset) => signedCallback(wecomMsg(), { timestamp: String(nowSec() + offset) }),
    unsigned: () => {
      const r = signedCallback(wecomMsg());
      const { msg_signature: _dropped, ...query } = r.query;
      return { ...r, query };
    },
    otherApp: () => signedCallback(wecomMsg(), { toUserName: 'wwOTHERCORP' }),
    garbage: () => ({ ...signedCallback(wecomMsg()), body: Buffer.from('<xml><Encrypt>abc') }),
    empty: () => ({ ...signedCallback(wecomMsg()), body: Buffer.alloc(0) }),
    oversized: () => ({ ...signedCallback(wecomMsg()), body: Buffer.alloc(70 * 1024, 'a') }),
    own: [
      ['wrong corp id inside the ciphertext', () => signedCallback(wecomMsg(), { receiveId: 'wwOTHERCORP' }), 401],
      ['a truncated ciphertext (re-signed)', () => truncatedButSigned(), 400],
      ['a tampered ciphertext', () => signedCallback(wecomMsg(), { mutateEncrypted: (e) => `${e[0] === 'A' ? 'B' : 'A'}${e.slice(1)}` }), 401],
      ['an XXE DOCTYPE', () => ({ ...signedCallback(wecomMsg()), body: Buffer.from('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>') }), 400],
    ],
    refusalBody: '',
  },
  feishu: {
    adapter: (db) => createFeishuAdapter(TEST_FEISHU, { tokenStore: createDbTokenStore(db) }),
    path: '/bots/feishu/events',
    genuine: (text) => signedEvent(messageEvent('u', text)),
    event: { platform: 'feishu', type: 'message' },
    forged: () => signedEvent(feishuMsg(), { signature: 'a'.repeat(64) }),
    otherKey: () => signedEvent(feishuMsg(), { encryptKey: 'another-key-123' }),
    signedAt: (offset) => signedEvent(feishuMsg(), { timestamp: String(nowSec() + offset) }),
    unsigned: () => signedEvent(feishuMsg(), { unsigned: true }),
    otherApp: () => signedEvent(messageEvent('u', '/新客户 伪造厂', { appId: 'cli_ffffffffffffffff' })),
    garbage: () => ({ method: 'POST', query: {}, headers: { 'content-type': 'application/json' }, body: Buffer.from('<xml/>') }),
    empty: () => ({ method: 'POST', query: {}, headers: {}, body: Buffer.alloc(0) }),
    oversized: () => signedEvent(messageEvent('u', 'x'.repeat(70_000))),
    own: [
      ['a body changed after signing', () => signedEvent(feishuMsg(), { mutateBody: (b) => b.replace('{"encrypt"', '{ "encrypt"') }), 401],
      ['a wrong verification token', () => signedEvent(messageEvent('u', '/新客户 伪造厂', { token: 'vt-wrong-000' })), 401],
      ['a forged card click', () => signedEvent(cardActionEvent('u', { d: '{"v":1,"a":"approve","id":"A-1"}' }, 'om_x', { token: 'bad-token-1' })), 401],
      ['an unencrypted body', () => ({ method: 'POST', query: {}, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(messageEvent('u', '/新客户 明文厂'))) }), 400],
    ],
  },
  dingtalk: {
    adapter: (db) => createDingtalkAdapter(TEST_DINGTALK, { tokenStore: createDbTokenStore(db) }),
    path: '/bots/dingtalk/callback',
    genuine: (text) => signedRobotCallback(robotMessage('张三', text)),
    event: { platform: 'dingtalk', type: 'message', actor: expect.objectContaining({ displayName: '张三' }) },
    forged: () => signedRobotCallback(dingtalkMsg(), { sign: 'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=' }),
    otherKey: () => signedRobotCallback(dingtalkMsg(), { secret: 'not-our-secret-0000000000' }),
    signedAt: (offset) => signedRobotCallback(dingtalkMsg(), { timestamp: String(Date.now() + offset * 1000) }),
    unsigned: () => ({ ...signedRobotCallback(dingtalkMsg()), headers: { 'content-type': 'application/json' } }),
    otherApp: () => signedRobotCallback(robotMessage('张三', '/新客户 伪造厂', { robotCode: 'dingotherrobot0001' })),
    garbage: () => signedRobotCallback(null, { raw: '<xml>hi</xml>' }),
    empty: () => signedRobotCallback(null, { raw: '' }),
    oversized: () => signedRobotCallback(robotMessage('张三', 'x'.repeat(70_000))),
    own: [['a wrong shape', () => signedRobotCallback({ msgId: 'x', text: 'not an object' }), 400]],
  },
};

/** Every window is shorter than ten minutes (WeCom and Feishu 5, DingTalk 2). */
const common = (p: RoutePlatform): Array<[string, () => RawRequest, number]> => [
  ['a forged signature', p.forged, 401],
  ['a signature made with another key', p.otherKey, 401],
  ['a replay from ten minutes ago', () => p.signedAt(-600), 401],
  ['a replay from an hour ago', () => p.signedAt(-3600), 401],
  ['a timestamp ten minutes in the future', () => p.signedAt(600), 401],
  ['no signature', p.unsigned, 401],
  ['another app', p.otherApp, 401],
  ['a body that does not parse', p.garbage, 400],
  ['an empty body', p.empty, 400],
  ['an oversized body', p.oversized, 413],
];

describe.each(Object.entries(platforms))(`%s webhook route (${testDriver()})`, (_name, p) => {
  const t = useTestDb();
  let app: FastifyInstance;
  const seen: InboundEvent[] = [];
  const post = (req: RawRequest) =>
    app.inject({ method: 'POST', url: `${p.path}?${new URLSearchParams(req.query as Record<string, string>)}`, headers: req.headers as Record<string, string>, payload: req.body });

  beforeAll(async () => {
    const inner = createDispatch({ db: t().db, defaultTimeZone: 'Asia/Shanghai' });
    app = await buildApp({ db: t().db, adapters: [p.adapter(t().db)], dispatch: async (e) => (seen.push(e), inner(e)), logLevel: 'silent' });
  });
  afterAll(async () => app?.close());
  beforeEach(() => {
    seen.length = 0;
  });

  it.each([...common(p), ...p.own])('refuses %s before the core, writing nothing', async (_case, build, status) => {
    const before = await effects(t().db);
    const res = await post(build());
    expect(res.statusCode).toBe(status);
    if (p.refusalBody !== undefined) expect(res.body).toBe(p.refusalBody);
    expect(seen).toHaveLength(0);
    expect(changed(before, await effects(t().db))).toEqual({});
  });

  it('accepts a genuine message once (the checks above can pass)', async () => {
    const before = await effects(t().db);
    const res = await post(p.genuine('/帮助'));
    expect(res.statusCode).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ ...p.event, text: '/帮助' });
    // It reached the inbox: the refusals' "nothing written" is measured on the same tables.
    expect(changed(before, await effects(t().db)).inbound_events).toBe(1);
  });
});

/** A WeCom ciphertext cut to a non-multiple of 32 bytes, re-signed so only the length check can catch it. */
function truncatedButSigned() {
  const base = signedCallback(wecomMsg());
  const encrypted = /<Encrypt><!\[CDATA\[(.*)\]\]><\/Encrypt>/.exec(base.body.toString())![1]!;
  const cut = Buffer.from(encrypted, 'base64').subarray(0, 40).toString('base64');
  const { timestamp, nonce } = base.query as { timestamp: string; nonce: string };
  return signedCallback(wecomMsg(), { mutateEncrypted: () => cut, signature: getSignature(TEST_WECOM.token, timestamp, nonce, cut), timestamp, nonce });
}
