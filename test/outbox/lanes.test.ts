// Independent lanes, through the production composition: with Feishu's send API hung, WeCom and DingTalk replies
// are still delivered at once and commands keep being processed; a command that fails unexpectedly is logged with
// platform, tenant, event key and stack, and the user still gets a polite answer.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { TEST_DINGTALK, robotMessage, signedRobotCallback } from '../bots/dingtalk/sign.js';
import { TEST_FEISHU, messageEvent, signedEvent } from '../bots/feishu/sign.js';
import { TEST_WECOM, signedCallback, textXml } from '../bots/wecom/sign.js';
import { startFakeDingtalk, type FakeDingtalk } from '../fakes/dingtalk-api.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-api.js';
import { startFakeWecom, type FakeWecom } from '../fakes/wecom-api.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { dingtalkEnv, feishuEnv, startTestServer, wecomEnv, type TestServer } from '../helpers/server.js';

describe(`Outbox lanes per platform app (${testDriver()})`, () => {
  const t = useTestDb();
  let wecom: FakeWecom;
  let feishu: FakeFeishu;
  let dingtalk: FakeDingtalk;
  let server: TestServer;
  let msgId = 8_800_000_000_000_000_000n;
  const wecomSay = (user: string, text: string) => server.post('/bots/wecom/callback', signedCallback(textXml(user, text, String(++msgId))));

  async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 5000) {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  beforeAll(async () => {
    wecom = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId });
    feishu = await startFakeFeishu({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
    dingtalk = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
    server = await startTestServer(t(), { ...wecomEnv(wecom.baseUrl), ...feishuEnv(feishu.baseUrl), ...dingtalkEnv(dingtalk.baseUrl), CHATCRM_PLATFORM_TIMEOUT_MS: '30000' });
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all([wecom?.close(), feishu?.close(), dingtalk?.close()]);
  });

  it('runs one lane per platform app', () => {
    expect(server.background.lanes).toEqual([`wecom:${TEST_WECOM.corpId}/${TEST_WECOM.agentId}`, `feishu:${TEST_FEISHU.appId}`, `dingtalk:${TEST_DINGTALK.robotCode}`, 'console:default']);
  });

  it('delivers WeCom and DingTalk replies within 1 s while Feishu hangs, and keeps processing commands', async () => {
    // Warm up: first users, tokens and connections, so the figures below measure only the lanes.
    expect((await wecomSay('wecom-rep', '/帮助')).statusCode).toBe(200);
    expect((await server.post('/bots/dingtalk/callback', signedRobotCallback(robotMessage('ding-rep', '/帮助')))).statusCode).toBe(200);
    await server.settle();
    const wecomBefore = wecom.delivered.length;
    const dingBefore = dingtalk.sends().length;
    const release = feishu.hang();
    try {
      expect((await server.post('/bots/feishu/events', signedEvent(messageEvent('feishu-rep', '/帮助')))).statusCode).toBe(200);
      await until('the Feishu send to hang', () => feishu.received.some((r) => r.path === '/open-apis/im/v1/messages'));

      const started = Date.now();
      expect((await wecomSay('wecom-rep', '/待办')).statusCode).toBe(200);
      expect((await server.post('/bots/dingtalk/callback', signedRobotCallback(robotMessage('ding-rep', '/帮助')))).statusCode).toBe(200);
      await until('WeCom reply', () => wecom.delivered.length > wecomBefore);
      await until('DingTalk reply', () => dingtalk.sends().length > dingBefore);
      expect(Date.now() - started).toBeLessThan(1000);

      // Commands keep running while the Feishu lane is stuck: rows are written and replies delivered.
      const names = ['甲子阀门厂', '乙丑轴承厂', '丙寅模具厂'];
      for (const [i, n] of names.entries()) expect((await wecomSay('wecom-rep', `/新客户 ${n} 1390000100${i}`)).statusCode).toBe(200);
      await until('the customers', async () => Number((await queryRows<{ n: number }>(t().db, sql`select count(*)::int as n from customers`))[0]!.n) === 3);
      await until('their replies', () => names.every((n) => wecom.delivered.some((d) => d.content.includes(n))));
      expect(Date.now() - started).toBeLessThan(3000);
      // Feishu's reply is still in flight, not lost.
      expect(await queryRows(t().db, sql`select status from outbox where platform = 'feishu'`)).toEqual([{ status: 'sending' }]);
    } finally {
      release();
    }
    await server.settle();
    expect(await queryRows(t().db, sql`select status from outbox where platform = 'feishu'`)).toEqual([{ status: 'sent' }]);
  });

  it('logs a command that fails unexpectedly with platform, tenant, event key and stack; the user gets an apology', async () => {
    await queryRows(t().db, sql.raw(`create function test_boom() returns trigger language plpgsql as $$ begin raise exception 'boom in customers'; end $$`));
    await queryRows(t().db, sql.raw(`create trigger test_boom before insert on customers for each row execute function test_boom()`));
    try {
      const res = await wecomSay('wecom-rep', '/新客户 丁卯泵业厂 13900002000');
      expect(res.statusCode).toBe(200);
      await server.settle();
    } finally {
      await queryRows(t().db, sql.raw(`drop trigger test_boom on customers`));
      await queryRows(t().db, sql.raw(`drop function test_boom()`));
    }
    const line = server.logs.find((l) => l.msg === 'inbound event failed');
    expect(line).toMatchObject({ platform: 'wecom', eventKey: String(msgId), tenantId: expect.any(String), type: 'message' });
    expect(line!.err.stack).toContain('boom in customers');
    expect(JSON.stringify(server.logs)).not.toContain(TEST_WECOM.secret);
    // Nor what the message said (the customer's name and phone), nor the callback's keys.
    for (const said of ['丁卯泵业', '13900002000', TEST_WECOM.token, TEST_WECOM.encodingAesKey]) expect(JSON.stringify(server.logs)).not.toContain(said);
    expect(wecom.delivered.at(-1)).toMatchObject({ touser: 'wecom-rep', content: expect.stringContaining('抱歉，系统处理这条消息时出错了') });
    expect(await queryRows(t().db, sql`select count(*)::int as n from customers where name = '丁卯泵业厂'`)).toEqual([{ n: 0 }]);
  });
});
