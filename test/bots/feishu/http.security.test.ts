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
import { TEST_FEISHU, encryptFeishu, messageEvent, signedEvent } from './sign.js';

// Feishu's URL-verification handshake. The refusals every route makes are in test/contract/verification.security.test.ts.
describe(`Feishu webhook handshake (${testDriver()})`, () => {
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

  it('refuses a handshake with a wrong token and answers a right one, writing nothing', async () => {
    const before = await rows();
    const bad = await post(signedEvent({ challenge: 'c', token: 'nope-nope', type: 'url_verification' }, { unsigned: true }));
    expect(bad.statusCode).toBe(401);
    const good = await post(signedEvent({ challenge: 'c', token: TEST_FEISHU.verificationToken, type: 'url_verification' }, { unsigned: true }));
    expect(good.json()).toEqual({ challenge: 'c' });
    expect(seen).toHaveLength(0);
    expect(await rows()).toBe(before);
  });

  it('encrypts the same event differently each time (a random IV), and the signature covers those bytes', async () => {
    expect(encryptFeishu('k', 'x')).not.toBe(encryptFeishu('k', 'x'));
    const res = await post(signedEvent(messageEvent('u', '/帮助')));
    expect(res.statusCode).toBe(200);
    expect(seen).toHaveLength(1);
  });
});
