// At-least-once delivery on Feishu and DingTalk: the platforms re-push an event they think was not answered in
// time, and the copies can arrive at the same moment. Each valid event here is sent three times concurrently
// (Promise.all of three injects): all three are answered 200, and exactly one effect is written (row counts).
// Feishu dedups on header.event_id (a re-push is re-encrypted and re-signed but keeps it), DingTalk on msgId.
import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRequest } from '../../src/adapter.js';
import { queryRows } from '../../src/db/rows.js';
import { TEST_DINGTALK, robotMessage, signedRobotCallback, staffId } from '../bots/dingtalk/sign.js';
import { TEST_FEISHU, cardActionEvent, messageEvent, openId, signedEvent } from '../bots/feishu/sign.js';
import { feishuName } from '../fakes/feishu-api.js';
import { startFakeDingtalk, type FakeDingtalk } from '../fakes/dingtalk-api.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-api.js';
import { testDriver, useTestDb, type TestDb } from '../helpers/db.js';
import { DINGTALK_PATH, FEISHU_PATH, counts, delta, headerWire, injectAt, startFaultApp, type FaultApp } from './harness.js';

const pgCount = async (t: TestDb, query: ReturnType<typeof sql>) => Number((await queryRows<{ n: number }>(t.db, query))[0]!.n);

/** Sends three requests at once; returns the responses and the row-count deltas. */
async function deliverThrice(t: TestDb, app: FaultApp, post: (r: RawRequest) => Promise<LightMyRequestResponse>, req: RawRequest | (() => RawRequest)) {
  const before = await counts(t.db);
  const reqs = typeof req === 'function' ? [req(), req(), req()] : [req, req, req];
  const replies = await Promise.all(reqs.map(post));
  await app.settle(); // acknowledged when recorded, processed right after
  return { replies, delta: delta(before, await counts(t.db)) };
}

describe(`Feishu events delivered three times at once have exactly one effect (${testDriver()})`, () => {
  const t = useTestDb();
  let fake: FakeFeishu;
  let app: FaultApp;

  const post = (req: RawRequest) => injectAt(app, FEISHU_PATH, headerWire(req));
  const say = async (user: string, text: string) => {
    expect((await post(signedEvent(messageEvent(user, text)))).statusCode).toBe(200);
    await app.settle();
  };
  const messagesTo = (user: string) => [...fake.messages.entries()].filter(([, m]) => m.receiveId === openId(user));
  const contentOf = (m: { content: any }) => String(m.content?.text ?? JSON.stringify(m.content ?? {}));

  beforeAll(async () => {
    fake = await startFakeFeishu({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
    app = await startFaultApp(t(), { feishu: fake.baseUrl });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('the very first message (binds the app to the tenant, creates its admin) three times → one tenant, one user', async () => {
    const { replies, delta } = await deliverThrice(t(), app, post, signedEvent(messageEvent('admin1', '/帮助')));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    // The server made the default tenant at start-up (src/compose.ts); the first message binds the app to it.
    expect(delta).toMatchObject({ tenants: 0, users: 1, inbound_events: 1 });
    expect(await pgCount(t(), sql`select count(*)::int as n from tenants`)).toBe(1);
    expect(await pgCount(t(), sql`select count(*)::int as n from tenant_identities where platform = 'feishu'`)).toBe(1);
    await app.settle();
    expect(messagesTo('admin1')).toHaveLength(delta.outbox!);
  });

  let dealId = '';

  it('/新客户 three times → one customer, one reply', async () => {
    await say('zhangsan', '/help');
    const before = messagesTo('zhangsan').length;
    const { replies, delta } = await deliverThrice(t(), app, post, signedEvent(messageEvent('zhangsan', '/新客户 三重投递阀门有限公司 13812340000 宁波 阀门')));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ customers: 1, inbound_events: 1, deals: 0, users: 0 });
    expect(await pgCount(t(), sql`select count(*)::int as n from customers where name like '三重投递阀门%'`)).toBe(1);
    await app.settle();
    const replied = messagesTo('zhangsan').slice(before).map(([, m]) => contentOf(m));
    expect(replied.filter((c) => /已创建客户 C-\d+/.test(c))).toHaveLength(1);
    expect(replied).toHaveLength(delta.outbox!);
  });

  it('/新商机 three times → one deal', async () => {
    const before = messagesTo('zhangsan').length;
    const { replies, delta } = await deliverThrice(t(), app, post, signedEvent(messageEvent('zhangsan', '/新商机 三重投递阀门 DN80 闸阀 8万')));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ deals: 1, customers: 0, inbound_events: 1 });
    await app.settle();
    const ids = messagesTo('zhangsan').slice(before).flatMap(([, m]) => contentOf(m).match(/D-\d+/g) ?? []);
    expect(new Set(ids).size).toBe(1);
    dealId = ids[0]!;
  });

  it('/跟进 three times → one follow-up', async () => {
    expect(dealId).toMatch(/^D-\d+$/);
    const { replies, delta } = await deliverThrice(t(), app, post, signedEvent(messageEvent('zhangsan', `/跟进 ${dealId} 电话沟通了三重投递的规格`)));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ follow_ups: 1, deals: 0, inbound_events: 1 });
    expect(await pgCount(t(), sql`select count(*)::int as n from follow_ups where summary like '%三重投递%'`)).toBe(1);
  });

  it('a re-push (re-encrypted, re-signed with a new nonce and timestamp, same event_id) three times at once → one effect', async () => {
    const ev = messageEvent('zhangsan', '/新客户 重签重投泵业 13812340001 温州 水泵', { eventId: 'ev-repush-1' });
    let n = 0;
    const { replies, delta } = await deliverThrice(t(), app, post, () => signedEvent(ev, { nonce: `repush${++n}`, timestamp: String(Math.floor(Date.now() / 1000) - n) }));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ customers: 1, inbound_events: 1 });
  });

  it('an approval card click three times → one approval, one success answer, three 200s', async () => {
    for (const u of ['lisi', 'wangwu', 'zhaoliu']) await say(u, '/help');
    await say('admin1', `/设置 角色 ${feishuName(openId('lisi'))} 财务`);
    await say('admin1', `/设置 角色 ${feishuName(openId('wangwu'))} 技术`);
    await say('admin1', `/设置 角色 ${feishuName(openId('zhaoliu'))} 总监`);
    await say('zhangsan', `/推进 ${dealId} 方案`);
    await say('zhangsan', `/报价 ${dealId} 8万 8% 三重投递框架`);
    const [cardId, card] = messagesTo('lisi').find(([, m]) => m.msgType === 'interactive' && /报价审批/.test(m.content.header.title.content))!;
    const value = card.content.body.elements.find((e: any) => e.tag === 'column_set').columns[0].elements[0].behaviors[0].value;

    const approvedBefore = await pgCount(t(), sql`select count(*)::int as n from approval_steps where status = 'approved'`);
    const { replies, delta } = await deliverThrice(t(), app, post, signedEvent(cardActionEvent('lisi', value, cardId)));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ inbound_events: 1 });
    expect(await pgCount(t(), sql`select count(*)::int as n from approval_steps where status = 'approved'`)).toBe(approvedBefore + 1);
    // Only the copy that did the work answers with the success toast and the updated card; the duplicates answer {}.
    expect(replies.filter((r) => r.json().toast?.type === 'success')).toHaveLength(1);
    expect(replies.filter((r) => JSON.stringify(r.json()) === '{}')).toHaveLength(2);
    // wangwu and zhaoliu still have to decide: lisi's triple click did not close the request.
    const [quote] = await queryRows<{ status: string }>(t().db, sql`select status from quotes`);
    expect(quote!.status).not.toBe('approved');
  });
});

describe(`DingTalk callbacks delivered three times at once have exactly one effect (${testDriver()})`, () => {
  const t = useTestDb();
  let fake: FakeDingtalk;
  let app: FaultApp;

  const post = (req: RawRequest) => injectAt(app, DINGTALK_PATH, headerWire(req));
  const say = async (user: string, text: string) => {
    expect((await post(signedRobotCallback(robotMessage(user, text)))).statusCode).toBe(200);
    await app.settle();
  };
  const sentTo = (user: string) => fake.sends().filter((r) => r.body.userIds?.[0] === staffId(user));
  const contentOf = (s: { body: any }) => {
    const p = JSON.parse(s.body.msgParam);
    return String(p.content ?? p.text ?? s.body.msgParam);
  };

  beforeAll(async () => {
    fake = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
    app = await startFaultApp(t(), { dingtalk: fake.baseUrl });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('the very first message (binds the app to the tenant, creates its admin) three times → one tenant, one user', async () => {
    const { replies, delta } = await deliverThrice(t(), app, post, signedRobotCallback(robotMessage('admin1', '/帮助')));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    // The server made the default tenant at start-up (src/compose.ts); the first message binds the app to it.
    expect(delta).toMatchObject({ tenants: 0, users: 1, inbound_events: 1 });
    expect(await pgCount(t(), sql`select count(*)::int as n from tenants`)).toBe(1);
    expect(await pgCount(t(), sql`select count(*)::int as n from tenant_identities where platform = 'dingtalk'`)).toBe(1);
    await app.settle();
    expect(sentTo('admin1')).toHaveLength(delta.outbox!);
  });

  let dealId = '';

  it('/新客户 three times → one customer, one reply', async () => {
    await say('张三', '/help');
    const before = sentTo('张三').length;
    const { replies, delta } = await deliverThrice(t(), app, post, signedRobotCallback(robotMessage('张三', '/新客户 三重投递阀门有限公司 13812340000 宁波 阀门')));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ customers: 1, inbound_events: 1, deals: 0, users: 0 });
    expect(await pgCount(t(), sql`select count(*)::int as n from customers where name like '三重投递阀门%'`)).toBe(1);
    await app.settle();
    const replied = sentTo('张三').slice(before).map(contentOf);
    expect(replied.filter((c) => /已创建客户 C-\d+/.test(c))).toHaveLength(1);
    expect(replied).toHaveLength(delta.outbox!);
  });

  it('/新商机 three times → one deal', async () => {
    const before = sentTo('张三').length;
    const { replies, delta } = await deliverThrice(t(), app, post, signedRobotCallback(robotMessage('张三', '/新商机 三重投递阀门 DN80 闸阀 8万')));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ deals: 1, customers: 0, inbound_events: 1 });
    await app.settle();
    const ids = sentTo('张三').slice(before).flatMap((s) => contentOf(s).match(/D-\d+/g) ?? []);
    expect(new Set(ids).size).toBe(1);
    dealId = ids[0]!;
  });

  it('/跟进 three times → one follow-up', async () => {
    expect(dealId).toMatch(/^D-\d+$/);
    const { replies, delta } = await deliverThrice(t(), app, post, signedRobotCallback(robotMessage('张三', `/跟进 ${dealId} 电话沟通了三重投递的规格`)));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ follow_ups: 1, deals: 0, inbound_events: 1 });
    expect(await pgCount(t(), sql`select count(*)::int as n from follow_ups where summary like '%三重投递%'`)).toBe(1);
  });

  it('a re-delivery with a new timestamp and sign (same msgId) three times at once → one effect', async () => {
    const body = robotMessage('张三', '/新客户 重签重投泵业 13812340001 温州 水泵', { msgId: 'msgRedeliver1' });
    let n = 0;
    const { replies, delta } = await deliverThrice(t(), app, post, () => signedRobotCallback(body, { timestamp: String(Date.now() - ++n * 1000) }));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ customers: 1, inbound_events: 1 });
  });

  it('an approver\'s `/批准 A-n` (the ActionCard button) three times at once → one approval', async () => {
    for (const u of ['李四', '王五', '赵六']) await say(u, '/help');
    await say('admin1', '/设置 角色 李四 财务');
    await say('admin1', '/设置 角色 王五 技术');
    await say('admin1', '/设置 角色 赵六 总监');
    await say('张三', `/推进 ${dealId} 方案`);
    await say('张三', `/报价 ${dealId} 8万 8% 三重投递框架`);
    const card = sentTo('李四').find((s) => /^sampleActionCard/.test(s.body.msgKey))!;
    const cmd = new URL(JSON.parse(card.body.msgParam).actionURL1).searchParams.get('content')!;
    expect(cmd).toMatch(/^\/批准 A-\d+$/);

    const approvedBefore = await pgCount(t(), sql`select count(*)::int as n from approval_steps where status = 'approved'`);
    const { replies, delta } = await deliverThrice(t(), app, post, signedRobotCallback(robotMessage('李四', cmd)));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ inbound_events: 1 });
    expect(await pgCount(t(), sql`select count(*)::int as n from approval_steps where status = 'approved'`)).toBe(approvedBefore + 1);
    const [quote] = await queryRows<{ status: string }>(t().db, sql`select status from quotes`);
    expect(quote!.status).not.toBe('approved');
  });
});
