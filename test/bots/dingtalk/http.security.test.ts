import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundEvent, RawRequest } from '../../../src/adapter.js';
import { createDingtalkAdapter } from '../../../bots/dingtalk/index.js';
import { createDbTokenStore } from '../../../src/db/token-store.js';
import { queryRows } from '../../../src/db/rows.js';
import { createDispatch } from '../../../src/inbound/dispatch.js';
import { buildApp } from '../../../src/server/app.js';
import { testDriver, useTestDb } from '../../helpers/db.js';
import { TEST_DINGTALK, robotMessage, signedRobotCallback } from './sign.js';

describe(`DingTalk HTTP callback refuses forged, stale and malformed requests (${testDriver()})`, () => {
  const t = useTestDb();
  let app: FastifyInstance;
  const seen: InboundEvent[] = [];
  const post = (req: RawRequest) => app.inject({ method: 'POST', url: '/bots/dingtalk/callback', headers: req.headers as Record<string, string>, payload: req.body });
  const rows = async () =>
    Number((await queryRows<{ n: number }>(t().db, sql`select ((select count(*) from inbound_events) + (select count(*) from users) + (select count(*) from customers))::int as n`))[0]!.n);

  beforeAll(async () => {
    const adapter = createDingtalkAdapter(TEST_DINGTALK, { tokenStore: createDbTokenStore(t().db) });
    const inner = createDispatch({ db: t().db, defaultTimeZone: 'Asia/Shanghai' });
    app = await buildApp({ db: t().db, adapters: [adapter], dispatch: async (e) => (seen.push(e), inner(e)), logLevel: 'silent' });
  });
  afterAll(async () => app?.close());

  const msg = () => robotMessage('张三', '/新客户 伪造厂');
  const cases: Array<[string, () => RawRequest, number]> = [
    ['a wrong sign', () => signedRobotCallback(msg(), { sign: 'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=' }), 401],
    ['a sign made with another secret', () => signedRobotCallback(msg(), { secret: 'not-our-secret-0000000000' }), 401],
    ['a replay from an hour ago', () => signedRobotCallback(msg(), { timestamp: String(Date.now() - 3_600_000) }), 401],
    ['a timestamp from the future', () => signedRobotCallback(msg(), { timestamp: String(Date.now() + 3_600_000) }), 401],
    ['missing headers', () => ({ ...signedRobotCallback(msg()), headers: { 'content-type': 'application/json' } }), 401],
    ['another robot', () => signedRobotCallback(robotMessage('张三', '/新客户 伪造厂', { robotCode: 'dingotherrobot0001' })), 401],
    ['not JSON', () => signedRobotCallback(null, { raw: '<xml>hi</xml>' }), 400],
    ['a wrong shape', () => signedRobotCallback({ msgId: 'x', text: 'not an object' }), 400],
    ['an empty body', () => signedRobotCallback(null, { raw: '' }), 400],
    ['an oversized body', () => signedRobotCallback(robotMessage('张三', 'x'.repeat(70_000))), 413],
  ];

  it.each(cases)('refuses %s without touching the database', async (_name, build, status) => {
    const before = await rows();
    expect((await post(build())).statusCode).toBe(status);
    expect(seen).toHaveLength(0);
    expect(await rows()).toBe(before);
  });

  it('accepts a genuine callback (the checks above can pass)', async () => {
    expect((await post(signedRobotCallback(robotMessage('张三', '/帮助')))).statusCode).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ platform: 'dingtalk', type: 'message', text: '/帮助', actor: { displayName: '张三' } });
  });
});
