import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RawRequest } from '../../src/adapter.js';
import { createWecomAdapter } from '../../bots/wecom/index.js';
import { createDbTokenStore } from '../../src/db/token-store.js';
import { queryRows } from '../../src/db/rows.js';
import { createInboxDispatch, drainInbox, pendingInbox } from '../../src/inbound/inbox.js';
import { buildApp } from '../../src/server/app.js';
import { TEST_WECOM, signedCallback, textXml } from '../bots/wecom/sign.js';
import { testDriver, useTestDb } from '../helpers/db.js';

describe(`Inbox: messages are recorded and acknowledged, then processed in order (${testDriver()})`, () => {
  const t = useTestDb();
  let app: FastifyInstance;
  let accepted = 0;
  const deps = () => ({ db: t().db, defaultTimeZone: 'Asia/Shanghai' });
  const post = (req: RawRequest) =>
    app.inject({ method: 'POST', url: `/bots/wecom/callback?${new URLSearchParams(req.query as Record<string, string>)}`, headers: req.headers as Record<string, string>, payload: req.body });
  const rows = async (q: ReturnType<typeof sql>) => queryRows<Record<string, unknown>>(t().db, q);

  beforeAll(async () => {
    const adapter = createWecomAdapter(TEST_WECOM, { tokenStore: createDbTokenStore(t().db) });
    const dispatch = createInboxDispatch({ ...deps(), onAccepted: () => void accepted++ });
    app = await buildApp({ db: t().db, adapters: [adapter], dispatch, logLevel: 'silent' });
  });
  afterAll(async () => app?.close());

  it('answers 200 after one durable insert; the command runs when the inbox is drained', async () => {
    const first = signedCallback(textXml('zhangsan', '/新客户 收件箱测试阀门厂 13811112222', '9100000000000000001'));
    expect((await post(first)).statusCode).toBe(200);
    expect((await post(first)).statusCode).toBe(200); // the platform retries: still one inbox row
    expect((await post(signedCallback(textXml('zhangsan', '/新商机 收件箱测试阀门厂 闸阀 2万', '9100000000000000002')))).statusCode).toBe(200);
    expect(accepted).toBe(2);
    expect(await pendingInbox(t().db)).toBe(2);
    expect(await rows(sql`select count(*)::int as n from customers`)).toEqual([{ n: 0 }]);

    // A restarted process (new deps, nothing in memory) finds the messages and runs them in arrival order.
    expect(await drainInbox(t().db, deps())).toBe(2);
    expect(await pendingInbox(t().db)).toBe(0);
    expect(await rows(sql`select name from customers`)).toEqual([{ name: '收件箱测试阀门厂' }]);
    expect(await rows(sql`select title from deals`)).toEqual([{ title: '闸阀' }]);
    const replies = await rows(sql`select payload->'message'->>'text' as text from outbox order by id`);
    expect(replies.map((r) => String(r.text))).toEqual([expect.stringMatching(/已创建客户 C-\d+/), expect.stringMatching(/D-\d+/)]);
    expect(await drainInbox(t().db, deps())).toBe(0);
    // The payload is dropped once processed.
    expect(await rows(sql`select count(*)::int as n from inbound_events where payload is not null`)).toEqual([{ n: 0 }]);
  });

  it('answers a command that fails with an apology and does not retry it forever', async () => {
    const before = await rows(sql`select count(*)::int as n from outbox`);
    expect((await post(signedCallback(textXml('zhangsan', '/跟进 D-999 没有这个商机', '9100000000000000003')))).statusCode).toBe(200);
    expect(await drainInbox(t().db, deps())).toBe(1);
    expect(await pendingInbox(t().db)).toBe(0);
    const after = await rows(sql`select count(*)::int as n from outbox`);
    expect(Number(after[0]!.n)).toBe(Number(before[0]!.n) + 1);
  });

  it('lets two drainers share the inbox without processing a message twice', async () => {
    // Six unrelated names: similar ones would (rightly) be asked about instead of created.
    const names = ['甲子阀门', '乙丑轴承', '丙寅模具', '丁卯泵业', '戊辰电子', '己巳塑胶'];
    for (let i = 0; i < 6; i++) await post(signedCallback(textXml('lisi', `/新客户 并发收件箱${names[i]} 1390000000${i}`, `92000000000000000${i}`)));
    // Two drainers at once, again until the inbox is empty (a drainer that found the sender held by the other one
    // may return early; the background loop would call it again): every message runs, none twice.
    let total = 0;
    for (let round = 0; round < 20 && (await pendingInbox(t().db)) > 0; round++) {
      const [a, b] = await Promise.all([drainInbox(t().db, deps()), drainInbox(t().db, deps())]);
      total += a + b;
    }
    expect(total).toBe(6);
    expect(await pendingInbox(t().db)).toBe(0);
    expect(await rows(sql`select count(*)::int as n from customers where name like '并发收件箱%'`)).toEqual([{ n: 6 }]);
  });

  it('records a burst of concurrent callbacks, retries among them, each once and each answered after its row', async () => {
    const before = accepted;
    const reqs = Array.from({ length: 25 }, (_, i) => signedCallback(textXml(`burst${i % 5}`, `/帮助 ${i}`, `94000000000000000${String(i).padStart(2, '0')}`)));
    const answers = await Promise.all([...reqs, ...reqs.slice(0, 5)].map((r) => post(r)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(30).fill(200));
    expect(accepted - before).toBe(25);
    const recorded = await rows(sql`select event_key, sender_key from inbound_events where event_key like '94%' order by id`);
    expect(recorded).toHaveLength(25);
    expect(new Set(recorded.map((r) => r.event_key)).size).toBe(25);
    expect(await drainInbox(t().db, deps())).toBe(25);
  });

  it('starts no message while its turn is held (acknowledgements first), and skips senders its process is running', async () => {
    await post(signedCallback(textXml('wangwu', '/新客户 让行测试庚午机械 13900000009', '9300000000000000001')));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let turns = 0;
    const draining = drainInbox(t().db, deps(), 50, { index: 0, count: 1, busy: new Set(), turn: () => (turns++, held) });
    await vi.waitUntil(() => turns === 1); // waiting for its turn: the message cannot have started
    expect(turns).toBe(1);
    expect(await pendingInbox(t().db)).toBe(1);
    release();
    expect(await draining).toBe(1);
    expect(await rows(sql`select count(*)::int as n from customers where name = '让行测试庚午机械'`)).toEqual([{ n: 1 }]);

    // A sender another drainer of this process is running is left alone (no lock attempt, nothing processed).
    await post(signedCallback(textXml('wangwu', '/新客户 让行测试辛未阀门 13900000010', '9300000000000000002')));
    const busy = new Set([`wecom:${TEST_WECOM.corpId}:wangwu`]);
    expect(await drainInbox(t().db, deps(), 50, { index: 0, count: 1, busy })).toBe(0);
    expect(await pendingInbox(t().db)).toBe(1);
    expect(await drainInbox(t().db, deps())).toBe(1);
  });
});
