// At-least-once delivery: WeCom may deliver the same callback several times, and the copies can arrive at the same
// moment (a retry racing a slow first attempt). Each valid callback here is sent three times concurrently
// (Promise.all of three identical injects): all three are answered 200, and exactly one effect is written.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRequest } from '../../src/adapter.js';
import { queryRows } from '../../src/db/rows.js';
import { TEST_WECOM, cardClickXml, signedCallback, textXml } from '../bots/wecom/sign.js';
import { startFakeWecom, type FakeWecom } from '../fakes/wecom-api.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { counts, injectWire, startFaultApp, toWire, type FaultApp } from './harness.js';

describe(`WeCom callbacks delivered three times at once have exactly one effect (${testDriver()})`, () => {
  const t = useTestDb();
  let fake: FakeWecom;
  let app: FaultApp;
  let msgSeq = 9_100_000_000_000_000_000n;

  const post = (req: RawRequest) => injectWire(app, toWire(req));
  const thrice = (req: RawRequest) => Promise.all([post(req), post(req), post(req)]);
  const text = (user: string, content: string) => signedCallback(textXml(user, content, String(++msgSeq)));
  const say = async (user: string, content: string) => {
    expect((await post(text(user, content))).statusCode).toBe(200);
    await app.settle();
  };
  const sendsTo = (user: string) => fake.sends().filter((r) => (r.body as any).touser === user);
  const contentOf = (s: { body: unknown }) => {
    const b = s.body as any;
    return String(b?.text?.content ?? b?.markdown?.content ?? JSON.stringify(b?.template_card ?? {}));
  };
  const pgCount = async (query: ReturnType<typeof sql>) => Number((await queryRows<{ n: number }>(t().db, query))[0]!.n);

  /** Sends `req` three times concurrently; returns the responses and the row-count deltas. */
  async function deliverThrice(req: RawRequest | (() => RawRequest)) {
    const before = await counts(t().db);
    const replies = typeof req === 'function' ? await Promise.all([post(req()), post(req()), post(req())]) : await thrice(req);
    await app.settle(); // acknowledged when recorded, processed right after
    const after = await counts(t().db);
    const delta = Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!]));
    return { replies, delta };
  }

  beforeAll(async () => {
    fake = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId, webhookKeys: ['robot-key-1'] });
    app = await startFaultApp(t(), { wecom: fake.baseUrl });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('the very first message (binds the corp to the tenant, creates its first user, the admin) three times → one tenant, one user', async () => {
    const { replies, delta } = await deliverThrice(text('admin1', '/帮助'));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    // The server made the default tenant at start-up (src/compose.ts); the first message binds the corp to it.
    expect(delta).toMatchObject({ tenants: 0, users: 1, inbound_events: 1 });
    expect(await pgCount(sql`select count(*)::int as n from tenants`)).toBe(1);
    expect(await pgCount(sql`select count(*)::int as n from tenant_identities where platform = 'wecom'`)).toBe(1);
    expect(delta.outbox).toBeGreaterThanOrEqual(1);
    await app.settle();
    expect(sendsTo('admin1')).toHaveLength(delta.outbox!);
  });

  let dealId = '';

  it('/新客户 three times → one customer, one reply', async () => {
    await say('zhangsan', '/help');
    const before = sendsTo('zhangsan').length;
    const { replies, delta } = await deliverThrice(text('zhangsan', '/新客户 三重投递阀门有限公司 13812340000 宁波 阀门'));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ customers: 1, inbound_events: 1, deals: 0, users: 0 });
    expect(await pgCount(sql`select count(*)::int as n from customers where name like '三重投递阀门%'`)).toBe(1);
    await app.settle();
    const replied = sendsTo('zhangsan').slice(before).map(contentOf);
    expect(replied.filter((c) => /已创建客户 C-\d+/.test(c))).toHaveLength(1);
    expect(replied).toHaveLength(delta.outbox!);
  });

  it('/新商机 three times → one deal', async () => {
    const before = sendsTo('zhangsan').length;
    const { replies, delta } = await deliverThrice(text('zhangsan', '/新商机 三重投递阀门 DN80 闸阀 8万'));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ deals: 1, customers: 0, inbound_events: 1 });
    await app.settle();
    const replied = sendsTo('zhangsan').slice(before).map(contentOf);
    const ids = replied.flatMap((c) => c.match(/D-\d+/g) ?? []);
    expect(new Set(ids).size).toBe(1);
    dealId = ids[0]!;
  });

  it('/跟进 three times → one follow-up', async () => {
    expect(dealId).toMatch(/^D-\d+$/);
    const { replies, delta } = await deliverThrice(text('zhangsan', `/跟进 ${dealId} 电话沟通了三重投递的规格`));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ follow_ups: 1, deals: 0, inbound_events: 1 });
    expect(await pgCount(sql`select count(*)::int as n from follow_ups where summary like '%三重投递%'`)).toBe(1);
  });

  it('a platform retry re-signed with a new nonce and timestamp (same MsgId) three times at once → one effect', async () => {
    const msgId = String(++msgSeq);
    const xml = textXml('zhangsan', '/新客户 重签重投泵业 13812340001 温州 水泵', msgId);
    let n = 0;
    const { replies, delta } = await deliverThrice(() => signedCallback(xml, { nonce: `retry${++n}`, timestamp: String(Math.floor(Date.now() / 1000) - n) }));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ customers: 1, inbound_events: 1 });
  });

  it('an approval card click three times → one approval, one passive button update, three 200s', async () => {
    for (const u of ['lisi', 'wangwu', 'zhaoliu']) await say(u, '/help');
    await say('admin1', '/设置 角色 lisi 财务');
    await say('admin1', '/设置 角色 wangwu 技术');
    await say('admin1', '/设置 角色 zhaoliu 总监');
    await say('zhangsan', `/推进 ${dealId} 方案`);
    await say('zhangsan', `/报价 ${dealId} 8万 8% 三重投递框架`);
    const card = sendsTo('lisi').find((r) => (r.body as any).msgtype === 'template_card')?.body as any;
    expect(card?.template_card?.main_title?.title).toMatch(/报价审批 A-\d+/);
    const tc = card.template_card;

    const approvedBefore = await pgCount(sql`select count(*)::int as n from approval_steps where status = 'approved'`);
    const { replies, delta } = await deliverThrice(signedCallback(cardClickXml('lisi', tc.button_list[0].key, tc.task_id)));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ inbound_events: 1 });
    expect(await pgCount(sql`select count(*)::int as n from approval_steps where status = 'approved'`)).toBe(approvedBefore + 1);
    // Only the copy that did the work carries the passive update_button reply; the duplicates answer empty.
    expect(replies.filter((r) => r.body.includes('<Encrypt>'))).toHaveLength(1);
    expect(replies.filter((r) => r.body === '')).toHaveLength(2);

    await app.settle();
    // wangwu and zhaoliu still have to decide: the request is not closed by lisi's triple click.
    const [quote] = await queryRows<{ status: string }>(t().db, sql`select status from quotes`);
    expect(quote!.status).not.toBe('approved');
  });
});
