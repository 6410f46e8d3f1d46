import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../../src/adapter.js';
import { createDingtalkAdapter } from '../../../bots/dingtalk/index.js';
import { TOPIC_CARD, TOPIC_ROBOT } from '../../../bots/dingtalk/long-connection.js';
import { createDbTokenStore } from '../../../src/db/token-store.js';
import { queryRows } from '../../../src/db/rows.js';
import { createDispatch } from '../../../src/inbound/dispatch.js';
import { createOutboxWorker, type OutboxWorker } from '../../../src/outbox/worker.js';
import { startFakeDingtalk, type FakeDingtalk } from '../../fakes/dingtalk-api.js';
import { testDriver, useTestDb } from '../../helpers/db.js';
import { CORP_ID, TEST_DINGTALK, robotMessage, staffId } from './sign.js';

describe(`DingTalk Stream mode with template cards, through the SDK and a local gateway (${testDriver()})`, () => {
  const t = useTestDb();
  let fake: FakeDingtalk;
  let adapter: ChatAdapter;
  let worker: OutboxWorker;
  const say = async (user: string, text: string, msgId?: string) => {
    const ack = await fake.push(TOPIC_ROBOT, robotMessage(user, text, msgId ? { msgId } : {}));
    expect(ack).toMatchObject({ code: 200, data: JSON.stringify({ response: {} }) });
    await worker.drain();
  };
  const lastText = (user: string) => {
    const s = fake.sends().filter((r) => r.body.userIds?.[0] === staffId(user)).at(-1);
    return s ? String(JSON.parse(s.body.msgParam).content ?? '') : '';
  };

  beforeAll(async () => {
    fake = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
    const config = { ...TEST_DINGTALK, mode: 'stream' as const, apiBase: fake.baseUrl, cardTemplateId: 'a1b2c3d4-chatcrm.schema' };
    adapter = createDingtalkAdapter(config, { tokenStore: createDbTokenStore(t().db) });
    await adapter.start!(createDispatch({ db: t().db, defaultTimeZone: 'Asia/Shanghai' }));
    worker = createOutboxWorker({ db: t().db, adapters: [adapter] });
  });
  afterAll(async () => {
    await adapter?.stop?.();
    await fake?.close();
  });

  it('subscribes to the robot and card topics and has no HTTP route', async () => {
    await fake.connected();
    expect(adapter.httpRoutes).toEqual([]);
    expect(fake.subscriptions()).toEqual(expect.arrayContaining([{ type: 'CALLBACK', topic: TOPIC_ROBOT }, { type: 'CALLBACK', topic: TOPIC_CARD }]));
  });

  it('acks a robot message after handling it, once per msgId', async () => {
    await say('admin1', '/帮助');
    await say('张三', '/新客户 流式测试泵业 13600000000', 'msgStream1');
    await say('张三', '/新客户 流式测试泵业 13600000000', 'msgStream1'); // re-pushed after a lost ack
    expect(await queryRows(t().db, sql`select name from customers`)).toEqual([{ name: '流式测试泵业' }]);
    expect(lastText('张三')).toMatch(/已创建客户 C-\d+/);
  });

  it('delivers approval cards from the template, decides on a click, and updates every copy by outTrackId', async () => {
    await say('李四', '/help');
    await say('admin1', '/设置 上级 张三 李四');
    await say('张三', '/新商机 流式测试泵业 离心泵 3万');
    const dealId = /D-\d+/.exec(lastText('张三'))![0];
    await say('张三', `/跟进 ${dealId} 拜访 下一步:出方案`);
    await say('张三', `/推进 ${dealId} 方案`);
    await say('张三', `/报价 ${dealId} 3万`);
    const [outTrackId, card] = [...fake.cards.entries()].find(([, c]) => c.target === `dtv1.card//IM_ROBOT.${staffId('李四')}`)!;
    expect(card.params.title).toMatch(/报价审批 A-\d+/);
    expect(card.params.hasButtons).toBe('true');
    expect(card.params.btn1Label).toBe('批准');

    const click = { type: 'actionCallback', outTrackId, userId: staffId('李四'), userIdType: 1, corpId: CORP_ID, spaceType: 'IM_ROBOT', content: JSON.stringify({ cardPrivateData: { actionIds: ['btn1'], params: { d: card.params.btn1Data } } }) };
    // The requester's own click (platform-verified userId) changes nothing.
    const stranger = await fake.push(TOPIC_CARD, { ...click, userId: staffId('张三') });
    expect(stranger.code).toBe(200);
    expect(await queryRows(t().db, sql`select count(*)::int as n from approval_steps where status = 'approved'`)).toEqual([{ n: 0 }]);

    const ack = await fake.push(TOPIC_CARD, click);
    const response = JSON.parse(ack.data).response;
    expect(response.cardData.cardParamMap.state).toBe('success');
    expect(response.cardData.cardParamMap.hasButtons).toBe('false');
    await fake.push(TOPIC_CARD, click); // a re-push of the same click
    expect(await queryRows(t().db, sql`select count(*)::int as n from approval_steps where status = 'approved'`)).toEqual([{ n: 1 }]);
    await worker.drain();
    expect(fake.cards.get(outTrackId)!.updates.at(-1)).toMatchObject({ state: 'success', hasButtons: 'false' });
    const toRep = fake.sends().filter((r) => r.body.userIds?.[0] === staffId('张三')).map((r) => String(JSON.parse(r.body.msgParam).content ?? ''));
    expect(toRep.some((m) => m.includes('已通过'))).toBe(true);
    expect(toRep.some((m) => m.includes('不能自己审批'))).toBe(true); // the requester was told why nothing happened
  });

  it('does not ack a frame it could not handle, so DingTalk re-pushes it', async () => {
    await adapter.stop!();
    const failing = createDingtalkAdapter({ ...TEST_DINGTALK, mode: 'stream', apiBase: fake.baseUrl }, { tokenStore: createDbTokenStore(t().db) });
    fake.dropConnection();
    await failing.start!(async () => {
      throw new Error('database unavailable');
    });
    const ack = await fake.push(TOPIC_ROBOT, robotMessage('张三', '/帮助'), 'm-unacked', 500);
    expect(ack).toBeUndefined();
    await failing.stop!();
  });
});

describe('DingTalk Stream: watchdog against a local gateway (ping every 40 ms, silence 300 ms)', () => {
  let fake: FakeDingtalk;
  let adapter: ChatAdapter;
  let logs: Array<{ level: string; msg?: string }>;
  const state = () => adapter.status!()[0]!;
  const until = async (what: string, ok: () => boolean, ms = 8000) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(state())}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  beforeEach(async () => {
    fake = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
    logs = [];
    const sink = (level: string) => (_obj: object, msg?: string) => void logs.push({ level, ...(msg ? { msg } : {}) });
    adapter = createDingtalkAdapter(
      { ...TEST_DINGTALK, mode: 'stream', apiBase: fake.baseUrl },
      {
        tokenStore: { get: async () => undefined, put: async () => {} },
        log: { info: sink('info'), warn: sink('warn'), error: sink('error') },
        longConnection: { heartbeatMs: 40, silenceMs: 300, backoffBaseMs: 20, backoffMaxMs: 80, warnAfterMs: 250 },
      },
    );
    await adapter.start!(async () => ({}));
    await until('open', () => state().state === 'open');
  });
  afterEach(async () => {
    await adapter.stop!();
    await fake.close();
  });

  it('pings and reports the last pong', async () => {
    await until('a pong', () => state().lastFrameAt !== undefined);
    expect(state()).toMatchObject({ transport: 'dingtalk stream', mode: 'long connection', state: 'open' });
  });

  it('reconnects when the gateway goes silent without closing', async () => {
    await until('a pong', () => state().lastFrameAt !== undefined);
    fake.muteCurrent();
    await until('a second connection', () => fake.connections() >= 2);
    await until('open again', () => state().state === 'open');
    // The new connection carries callbacks again.
    const ack = await fake.push(TOPIC_ROBOT, robotMessage('张三', '/帮助'));
    expect(ack).toMatchObject({ code: 200 });
    expect(logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('reconnects when the gateway closes the connection', async () => {
    fake.dropConnection();
    await until('a second connection', () => fake.connections() >= 2);
    await until('open again', () => state().state === 'open');
  });

  it('retries with backoff while the gateway refuses, warns once, and says when it is back', async () => {
    fake.refuseNext(8);
    fake.dropConnection();
    await until('down', () => state().state === 'down');
    await until('open again', () => state().state === 'open', 10_000);
    expect(fake.refused()).toBe(8);
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringMatching(/长连接已断开超过/), expect.stringMatching(/已恢复/)]);
  });
});
