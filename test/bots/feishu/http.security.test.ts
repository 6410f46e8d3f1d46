import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundEvent, RawRequest } from '../../../src/adapter.js';
import { createFeishuAdapter } from '../../../bots/feishu/index.js';
import { createDbTokenStore } from '../../../src/db/token-store.js';
import { queryRows } from '../../../src/db/rows.js';
import { createDispatch } from '../../../src/inbound/dispatch.js';
import { buildApp } from '../../../src/server/app.js';
import { testDriver, useTestDb } from '../../helpers/db.js';
import { TEST_FEISHU, cardActionEvent, encryptFeishu, messageEvent, signedEvent } from './sign.js';

describe(`Feishu webhook refuses forged, replayed and malformed requests (${testDriver()})`, () => {
  const t = useTestDb();
  let app: FastifyInstance;
  const seen: InboundEvent[] = [];
  const post = (req: RawRequest) =>
    app.inject({ method: 'POST', url: '/bots/feishu/events', headers: req.headers as Record<string, string>, payload: req.body });
  const rows = async () =>
    Number((await queryRows<{ n: number }>(t().db, sql`select ((select count(*) from inbound_events) + (select count(*) from users) + (select count(*) from customers))::int as n`))[0]!.n);

  beforeAll(async () => {
    const adapter = createFeishuAdapter(TEST_FEISHU, { tokenStore: createDbTokenStore(t().db) });
    const inner = createDispatch({ db: t().db, defaultTimeZone: 'Asia/Shanghai' });
    app = await buildApp({ db: t().db, adapters: [adapter], dispatch: async (e) => (seen.push(e), inner(e)), logLevel: 'silent' });
  });
  afterAll(async () => app?.close());

  const cases: Array<[string, () => RawRequest, number]> = [
    ['a wrong signature', () => signedEvent(messageEvent('u', '/新客户 伪造厂'), { signature: 'a'.repeat(64) }), 401],
    ['a body changed after signing', () => signedEvent(messageEvent('u', '/新客户 伪造厂'), { mutateBody: (b) => b.replace('{"encrypt"', '{ "encrypt"') }), 401],
    ['a replay from ten minutes ago', () => signedEvent(messageEvent('u', '/新客户 伪造厂'), { timestamp: String(Math.floor(Date.now() / 1000) - 600) }), 401],
    ['a timestamp from the future', () => signedEvent(messageEvent('u', '/新客户 伪造厂'), { timestamp: String(Math.floor(Date.now() / 1000) + 600) }), 401],
    ['a signature made with another key', () => signedEvent(messageEvent('u', '/新客户 伪造厂'), { encryptKey: 'another-key-123' }), 401],
    ['an unsigned event', () => signedEvent(messageEvent('u', '/新客户 伪造厂'), { unsigned: true }), 401],
    ['a wrong verification token', () => signedEvent(messageEvent('u', '/新客户 伪造厂', { token: 'vt-wrong-000' })), 401],
    ['another app id', () => signedEvent(messageEvent('u', '/新客户 伪造厂', { appId: 'cli_ffffffffffffffff' })), 401],
    ['a forged card click', () => signedEvent(cardActionEvent('u', { d: '{"v":1,"a":"approve","id":"A-1"}' }, 'om_x', { token: 'bad-token-1' })), 401],
    ['an unencrypted body', () => ({ method: 'POST', query: {}, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(messageEvent('u', '/新客户 明文厂'))) }), 400],
    ['not JSON', () => ({ method: 'POST', query: {}, headers: { 'content-type': 'application/json' }, body: Buffer.from('<xml/>') }), 400],
    ['an empty body', () => ({ method: 'POST', query: {}, headers: {}, body: Buffer.alloc(0) }), 400],
    ['an oversized body', () => signedEvent(messageEvent('u', 'x'.repeat(70_000))), 413],
  ];

  it.each(cases)('refuses %s without touching the database', async (_name, build, status) => {
    const before = await rows();
    const res = await post(build());
    expect(res.statusCode).toBe(status);
    expect(seen).toHaveLength(0);
    expect(await rows()).toBe(before);
  });

  it('refuses a handshake with a wrong token and answers a right one', async () => {
    const bad = await post(signedEvent({ challenge: 'c', token: 'nope-nope', type: 'url_verification' }, { unsigned: true }));
    expect(bad.statusCode).toBe(401);
    const good = await post(signedEvent({ challenge: 'c', token: TEST_FEISHU.verificationToken, type: 'url_verification' }, { unsigned: true }));
    expect(good.json()).toEqual({ challenge: 'c' });
  });

  it('accepts a genuine event (the checks above can pass)', async () => {
    const res = await post(signedEvent(messageEvent('u', '/帮助')));
    expect(res.statusCode).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ platform: 'feishu', type: 'message', text: '/帮助' });
    // The body is exactly what the signature covered; a different encryption of the same event still verifies.
    expect(encryptFeishu('k', 'x')).not.toBe(encryptFeishu('k', 'x'));
  });
});
