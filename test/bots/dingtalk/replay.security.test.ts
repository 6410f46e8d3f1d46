// A DingTalk HTTP sign covers only the timestamp: a captured (timestamp, sign) pair is accepted for the one msgId it
// first carried. Another body under the same pair is refused with 401 and writes nothing; the same message again
// is a platform retry and is deduplicated as before.
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundEvent, RawRequest } from '../../../src/adapter.js';
import { createDingtalkAdapter } from '../../../bots/dingtalk/index.js';
import { TIMESTAMP_WINDOW_MS } from '../../../bots/dingtalk/verify.js';
import { queryRows } from '../../../src/db/rows.js';
import { createDbSignLedger } from '../../../src/db/sign-ledger.js';
import { createDbTokenStore } from '../../../src/db/token-store.js';
import { createDispatch } from '../../../src/inbound/dispatch.js';
import { buildApp } from '../../../src/server/app.js';
import { testDriver, useTestDb } from '../../helpers/db.js';
import { TEST_DINGTALK, robotMessage, signedRobotCallback } from './sign.js';

describe(`DingTalk HTTP (timestamp, sign) replay (${testDriver()})`, () => {
  const t = useTestDb();
  let app: FastifyInstance;
  const seen: InboundEvent[] = [];
  const post = (req: RawRequest) => app.inject({ method: 'POST', url: '/bots/dingtalk/callback', headers: req.headers as Record<string, string>, payload: req.body });
  const rows = async () =>
    (await queryRows<{ n: number }>(t().db, sql`select ((select count(*) from inbound_events) + (select count(*) from users) + (select count(*) from customers) + (select count(*) from dingtalk_signatures) + (select count(*) from outbox))::int as n`))[0]!.n;

  beforeAll(async () => {
    const adapter = createDingtalkAdapter(TEST_DINGTALK, { tokenStore: createDbTokenStore(t().db), signLedger: createDbSignLedger(t().db) });
    const inner = createDispatch({ db: t().db, defaultTimeZone: 'Asia/Shanghai' });
    app = await buildApp({ db: t().db, adapters: [adapter], dispatch: async (e) => (seen.push(e), inner(e)), logLevel: 'silent' });
  });
  afterAll(async () => app?.close());

  it('refuses a captured pair carrying another body (e.g. the admin\'s staffId), writing nothing', async () => {
    const timestamp = String(Date.now());
    const genuine = signedRobotCallback(robotMessage('张三', '/帮助', { msgId: 'msg-genuine-1' }), { timestamp });
    expect((await post(genuine)).statusCode).toBe(200);
    expect(seen).toHaveLength(1);

    const before = await rows();
    const forged = signedRobotCallback(robotMessage('管理员', '/设置 角色 张三 管理员', { msgId: 'msg-forged-1' }), { timestamp });
    expect(forged.headers.sign).toBe(genuine.headers.sign);
    expect((await post(forged)).statusCode).toBe(401);
    // Same msgId, different body: the same pair still belongs to the genuine message only.
    const sameId = signedRobotCallback(robotMessage('管理员', '/设置 角色 张三 管理员', { msgId: 'msg-genuine-1' }), { timestamp });
    expect((await post(sameId)).statusCode).toBe(200);
    expect(seen).toHaveLength(2);
    expect(await rows()).toBe(before);
  });

  it('accepts the same pair with the same msgId as a retry, and changes nothing the second time', async () => {
    const req = signedRobotCallback(robotMessage('李四', '/帮助', { msgId: 'msg-retry-1' }));
    expect((await post(req)).statusCode).toBe(200);
    const before = await rows();
    expect((await post(req)).statusCode).toBe(200);
    expect(await rows()).toBe(before);
  });

  it('keeps the window narrow: a pair just outside ±2 min is refused, just inside is accepted', async () => {
    expect(TIMESTAMP_WINDOW_MS).toBe(120_000);
    const before = await rows();
    const stale = signedRobotCallback(robotMessage('李四', '/帮助', { msgId: 'msg-stale' }), { timestamp: String(Date.now() - TIMESTAMP_WINDOW_MS - 5_000) });
    expect((await post(stale)).statusCode).toBe(401);
    expect(await rows()).toBe(before);
    const fresh = signedRobotCallback(robotMessage('李四', '/帮助', { msgId: 'msg-fresh' }), { timestamp: String(Date.now() - TIMESTAMP_WINDOW_MS + 5_000) });
    expect((await post(fresh)).statusCode).toBe(200);
  });
});
