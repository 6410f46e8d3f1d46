// At-least-once delivery, on every platform: WeCom, Feishu and DingTalk re-deliver a callback they think was not
// answered in time, and the copies can arrive at the same moment (a retry racing a slow first attempt). Each valid
// request here is sent three times concurrently (Promise.all of three injects): all three are answered 200, and
// exactly one effect is written (row counts). WeCom dedups on MsgId, Feishu on header.event_id (a re-push is
// re-encrypted and re-signed but keeps it), DingTalk on msgId. Each platform runs on its own fresh database.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRequest } from '../../src/adapter.js';
import { queryRows } from '../../src/db/rows.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { counts, delta } from '../faults/harness.js';
import { eachPlatform, type Session } from './platforms.js';

describe.each(eachPlatform)(`%s: a request delivered three times at once has exactly one effect (${testDriver()})`, (_label, d) => {
  const t = useTestDb();
  let s: Session;

  const say = async (user: string, text: string) => {
    expect((await s.say(user, text)).statusCode).toBe(200);
    await s.app.settle();
  };
  const pgCount = async (query: ReturnType<typeof sql>) => Number((await queryRows<{ n: number }>(t().db, query))[0]!.n);

  /** Sends `req` three times concurrently (or three fresh requests from a factory); the responses and row deltas. */
  async function deliverThrice(req: RawRequest | (() => RawRequest)) {
    const before = await counts(t().db);
    const reqs = typeof req === 'function' ? [req(), req(), req()] : [req, req, req];
    const replies = await Promise.all(reqs.map(s.post));
    await s.app.settle(); // acknowledged when recorded, processed right after
    return { replies, delta: delta(before, await counts(t().db)) };
  }

  beforeAll(async () => {
    s = await d.start(t());
  });
  afterAll(async () => {
    await s?.close();
  });

  it('the very first message (binds the corp / app to the tenant, creates its first user, the admin) three times → one tenant, one user', async () => {
    const { replies, delta } = await deliverThrice(d.message('admin1', '/帮助'));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    // The server made the default tenant at start-up (src/compose.ts); the first message binds the platform to it.
    expect(delta).toMatchObject({ tenants: 0, users: 1, inbound_events: 1 });
    expect(await pgCount(sql`select count(*)::int as n from tenants`)).toBe(1);
    expect(await pgCount(sql`select count(*)::int as n from tenant_identities where platform = ${d.name}`)).toBe(1);
    expect(delta.outbox).toBeGreaterThanOrEqual(1);
    await s.app.settle();
    expect(s.textsTo('admin1')).toHaveLength(delta.outbox!);
  });

  let dealId = '';

  it('/新客户 three times → one customer, one reply', async () => {
    await say('zhangsan', '/help');
    const before = s.textsTo('zhangsan').length;
    const { replies, delta } = await deliverThrice(d.message('zhangsan', '/新客户 三重投递阀门有限公司 13812340000 宁波 阀门'));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ customers: 1, inbound_events: 1, deals: 0, users: 0 });
    expect(await pgCount(sql`select count(*)::int as n from customers where name like '三重投递阀门%'`)).toBe(1);
    await s.app.settle();
    const replied = s.textsTo('zhangsan').slice(before);
    expect(replied.filter((c) => /已创建客户 C-\d+/.test(c))).toHaveLength(1);
    expect(replied).toHaveLength(delta.outbox!);
  });

  it('/新商机 three times → one deal', async () => {
    const before = s.textsTo('zhangsan').length;
    const { replies, delta } = await deliverThrice(d.message('zhangsan', '/新商机 三重投递阀门 DN80 闸阀 8万'));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ deals: 1, customers: 0, inbound_events: 1 });
    await s.app.settle();
    const ids = s.textsTo('zhangsan').slice(before).flatMap((c) => c.match(/D-\d+/g) ?? []);
    expect(new Set(ids).size).toBe(1);
    dealId = ids[0]!;
  });

  it('/跟进 three times → one follow-up', async () => {
    expect(dealId).toMatch(/^D-\d+$/);
    const { replies, delta } = await deliverThrice(d.message('zhangsan', `/跟进 ${dealId} 电话沟通了三重投递的规格`));
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ follow_ups: 1, deals: 0, inbound_events: 1 });
    expect(await pgCount(sql`select count(*)::int as n from follow_ups where summary like '%三重投递%'`)).toBe(1);
  });

  it('a platform retry (re-signed with a new nonce / timestamp, same message id) three times at once → one effect', async () => {
    const retry = d.retry('zhangsan', '/新客户 重签重投泵业 13812340001 温州 水泵', `${d.name === 'wecom' ? '9100000000000000001' : `retry-${d.name}-1`}`);
    const { replies, delta } = await deliverThrice(retry);
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ customers: 1, inbound_events: 1 });
  });

  it('an approver\'s card button (DingTalk: the ActionCard\'s `/批准 A-n`) three times at once → one approval, three 200s', async () => {
    for (const u of ['lisi', 'wangwu', 'zhaoliu']) await say(u, '/help');
    await say('admin1', `/设置 角色 ${d.ref('lisi')} 财务`);
    await say('admin1', `/设置 角色 ${d.ref('wangwu')} 技术`);
    await say('admin1', `/设置 角色 ${d.ref('zhaoliu')} 总监`);
    await say('zhangsan', `/推进 ${dealId} 方案`);
    await say('zhangsan', `/报价 ${dealId} 8万 8% 三重投递框架`);
    const click = s.approveClick('lisi', 'lisi');

    const approvedBefore = await pgCount(sql`select count(*)::int as n from approval_steps where status = 'approved'`);
    const { replies, delta } = await deliverThrice(click);
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(delta).toMatchObject({ inbound_events: 1 });
    expect(await pgCount(sql`select count(*)::int as n from approval_steps where status = 'approved'`)).toBe(approvedBefore + 1);
    if (d.can.cardClick) {
      // Only the copy that did the work carries the answer (WeCom's passive update_button reply, Feishu's success
      // toast and updated card); the duplicates answer empty.
      expect(replies.filter(d.can.cardClick.done)).toHaveLength(1);
      expect(replies.filter(d.can.cardClick.empty)).toHaveLength(2);
    }
    await s.app.settle();
    // wangwu and zhaoliu still have to decide: lisi's triple click did not close the request.
    const [quote] = await queryRows<{ status: string }>(t().db, sql`select status from quotes`);
    expect(quote!.status).not.toBe('approved');
  });
});
